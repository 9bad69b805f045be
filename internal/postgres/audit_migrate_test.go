package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres/pgtest"
)

// schemaV2 makes a database as keyward made it before migration 3, with
// events whose hashes are stored as hex text; edit changes them first.
func schemaV2(t *testing.T, edit func(evs []keys.Event)) (url string, head keys.Head) {
	t.Helper()
	url = pgtest.URL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE keyward_schema (version integer PRIMARY KEY, applied_at bigint NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i, name := range migrationNames()[:2] {
		body, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO keyward_schema VALUES ($1, 0)`, i+1); err != nil {
			t.Fatal(err)
		}
	}
	evs := make([]keys.Event, 5)
	for i := range evs {
		evs[i] = keys.ScopeEvent(keys.ActionScopeAdd, keys.Scope{Name: fmt.Sprintf("s%d", i)})
		evs[i].At, evs[i].Actor = time.Date(2026, 11, 1, 0, 0, i, 0, time.UTC), "ops"
	}
	head = keys.Seal(0, "", evs)
	edit(evs)
	for _, e := range evs {
		_, err := conn.Exec(ctx, `INSERT INTO events (seq, at, actor, action, details, hash) VALUES ($1, $2, $3, $4, $5, $6)`,
			e.Seq, e.At.Unix(), e.Actor, string(e.Action), e.DetailsJSON(), e.Hash)
		if err != nil {
			t.Fatal(err)
		}
	}
	return url, head
}

func openV2(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, keys.Policy{Prefix: "kw"}, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.Now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	s.Actor = "ops"
	return s
}

// TestEventHashUpgrade: a log written with hex hashes reads the same
// after migration 3 stores them as bytes, verifies up to the same head,
// and goes on growing.
func TestEventHashUpgrade(t *testing.T) {
	url, head := schemaV2(t, func([]keys.Event) {})
	s := openV2(t, url)
	ctx := context.Background()
	var n int
	var hexHash string
	err := s.pool.QueryRow(ctx, `SELECT octet_length(hash), encode(hash, 'hex') FROM events WHERE seq = 5`).Scan(&n, &hexHash)
	if err != nil || n != 32 || hexHash != head.Hash {
		t.Fatalf("stored hash: %d bytes, %s, %v", n, hexHash, err)
	}
	if h, err := s.CheckLog(ctx, &head); err != nil || h != head {
		t.Fatalf("CheckLog after the upgrade: %v, %v; want %v", h, err, head)
	}
	if h, err := s.LogHead(ctx); err != nil || h != head {
		t.Fatalf("LogHead after the upgrade: %v, %v; want %v", h, err, head)
	}
	if err := s.AddScope(ctx, keys.Scope{Name: "after"}); err != nil {
		t.Fatal(err)
	}
	h, err := s.CheckLog(ctx, &head)
	if err != nil || h.Seq != 6 {
		t.Fatalf("CheckLog after a new event: %v, %v", h, err)
	}
	var got []*keys.Event
	if err := s.Events(ctx, keys.EventFilter{Limit: 2}, func(e *keys.Event) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Hash != head.Hash || got[0].Hash != h.Hash || got[0].Hash != keys.ChainHash(head.Hash, got[0]) {
		t.Fatalf("events after the upgrade: %+v", got)
	}
}

// TestEventHashUpgradeKeepsEdits: a hash that was edited before the
// upgrade still fails the check at its seq afterwards, whatever it was
// edited to.
func TestEventHashUpgradeKeepsEdits(t *testing.T) {
	for name, edit := range map[string]func(string) string{
		"upper case":    strings.ToUpper,
		"not hex":       func(h string) string { return "z" + h[1:] },
		"short":         func(h string) string { return h[:62] },
		"another event": func(string) string { return keys.GenesisHash },
		"empty":         func(string) string { return "" },
	} {
		t.Run(name, func(t *testing.T) {
			url, _ := schemaV2(t, func(evs []keys.Event) { evs[2].Hash = edit(evs[2].Hash) })
			_, err := openV2(t, url).CheckLog(context.Background(), nil)
			var ce *keys.ChainError
			if !errors.As(err, &ce) || ce.Seq != 3 || ce.Problem != keys.ChainEdited {
				t.Fatalf("got %v, want seq 3 edited", err)
			}
		})
	}
}
