package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// schemaV2 makes a database as keyward made it before migration 3, with
// events whose hashes are stored as hex text; edit changes them first.
func schemaV2(t *testing.T, edit func(evs []keys.Event)) (path string, head keys.Head) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "keyward.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range migrationNames()[:2] {
		body, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = 2; PRAGMA journal_mode = WAL`, applicationID)); err != nil {
		t.Fatal(err)
	}
	evs := make([]keys.Event, 5)
	for i := range evs {
		evs[i] = keys.ScopeEvent(keys.ActionScopeAdd, keys.Scope{Name: fmt.Sprintf("s%d", i)})
		evs[i].At, evs[i].Actor = time.Date(2026, 11, 1, 0, 0, i, 0, time.UTC), "ops"
	}
	head = keys.Seal(0, "", evs)
	edit(evs)
	for _, e := range evs {
		_, err := db.Exec(`INSERT INTO events (seq, at, actor, action, details, hash) VALUES (?, ?, ?, ?, ?, ?)`,
			e.Seq, e.At.Unix(), e.Actor, string(e.Action), e.DetailsJSON(), e.Hash)
		if err != nil {
			t.Fatal(err)
		}
	}
	return path, head
}

// TestEventHashUpgrade: a log written with hex hashes reads the same
// after migration 3 stores them as bytes, verifies up to the same head,
// and goes on growing.
func TestEventHashUpgrade(t *testing.T) {
	path, head := schemaV2(t, func([]keys.Event) {})
	s, err := Open(context.Background(), path, keys.Policy{Prefix: "kw"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Now = func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	ctx := context.Background()
	var typ, hexHash string
	var n int
	err = s.db.QueryRow(`SELECT typeof(hash), length(hash), lower(hex(hash)) FROM events WHERE seq = 5`).Scan(&typ, &n, &hexHash)
	if err != nil || typ != "blob" || n != 32 || hexHash != head.Hash {
		t.Fatalf("stored hash: %s of %d bytes, %s, %v", typ, n, hexHash, err)
	}
	if h, err := s.CheckLog(ctx, &head); err != nil || h != head {
		t.Fatalf("CheckLog after the upgrade: %v, %v; want %v", h, err, head)
	}
	if h, err := s.LogHead(ctx); err != nil || h != head {
		t.Fatalf("LogHead after the upgrade: %v, %v; want %v", h, err, head)
	}
	recordN(t, s, scopeEvent("after"))
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
			path, _ := schemaV2(t, func(evs []keys.Event) { evs[2].Hash = edit(evs[2].Hash) })
			s, err := Open(context.Background(), path, keys.Policy{Prefix: "kw"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			_, err = s.CheckLog(context.Background(), nil)
			var ce *keys.ChainError
			if !errors.As(err, &ce) || ce.Seq != 3 || ce.Problem != keys.ChainEdited {
				t.Fatalf("got %v, want seq 3 edited", err)
			}
		})
	}
}
