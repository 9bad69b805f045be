package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func openAudit(t *testing.T) (*Store, *time.Time) {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "keyward.db"), keys.Policy{Prefix: "kw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	s.Actor = "ops"
	return s, &now
}

func recordN(t *testing.T, s *Store, evs ...keys.Event) {
	t.Helper()
	err := s.write(context.Background(), func(tx *sql.Tx, now time.Time) error { return s.record(context.Background(), tx, now, evs) })
	if err != nil {
		t.Fatal(err)
	}
}

func scopeEvent(name string) keys.Event {
	return keys.ScopeEvent(keys.ActionScopeAdd, keys.Scope{Name: name})
}

// TestRecordChains: events written in several transactions, and more
// than one INSERT's worth in one, form one gapless chain.
func TestRecordChains(t *testing.T) {
	s, now := openAudit(t)
	ctx := context.Background()
	h, err := s.LogHead(ctx)
	if err != nil || h != (keys.Head{Hash: keys.GenesisHash}) {
		t.Fatalf("empty log head %v, %v", h, err)
	}
	recordN(t, s, scopeEvent("a"))
	*now = now.Add(time.Minute)
	many := make([]keys.Event, 1005)
	for i := range many {
		many[i] = scopeEvent("b")
	}
	recordN(t, s, many...)
	h, err = s.CheckLog(ctx, nil)
	if err != nil || h.Seq != int64(len(many)+1) {
		t.Fatalf("CheckLog: %v, %v", h, err)
	}
	if head, _ := s.LogHead(ctx); head != h {
		t.Fatalf("LogHead %v, CheckLog %v", head, h)
	}
	var got []*keys.Event
	err = s.Events(ctx, keys.EventFilter{Limit: 2}, func(e *keys.Event) error { got = append(got, e); return nil })
	if err != nil || len(got) != 2 || got[0].Seq != h.Seq || got[1].Seq != h.Seq-1 || got[0].Actor != "ops" || !got[0].At.Equal(*now) {
		t.Fatalf("newest first: %+v, %v", got, err)
	}
	got = got[:0]
	err = s.Events(ctx, keys.EventFilter{Since: 30 * time.Second}, func(e *keys.Event) error { got = append(got, e); return nil })
	if err != nil || len(got) != len(many) {
		t.Fatalf("--since: %d events, %v", len(got), err)
	}
	got = got[:0]
	err = s.Events(ctx, keys.EventFilter{Actions: []keys.Action{keys.ActionRevoke}}, func(e *keys.Event) error { got = append(got, e); return nil })
	if err != nil || len(got) != 0 {
		t.Fatalf("--action: %d events, %v", len(got), err)
	}
	if err := s.Events(ctx, keys.EventFilter{Ref: "nobody"}, func(*keys.Event) error { return nil }); keys.ErrorCode(err) != keys.ENOTFOUND {
		t.Fatalf("unknown key: %v", err)
	}
}

// TestCheckLogTamper edits, deletes and swaps rows the way someone with
// the file would, and expects the first bad seq.
func TestCheckLogTamper(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		seq  int64
		head bool
	}{
		{"edited details", `UPDATE events SET details = '{"scope":"evil","description":"","admin_only":false}' WHERE seq = 3`, 3, false},
		{"edited actor", `UPDATE events SET actor = 'mallory' WHERE seq = 4`, 4, false},
		{"edited time", `UPDATE events SET at = at - 60 WHERE seq = 2`, 2, false},
		{"unreadable details", `UPDATE events SET details = 'x' WHERE seq = 5`, 5, false},
		{"deleted", `DELETE FROM events WHERE seq = 3`, 3, false},
		{"deleted and renumbered", `DELETE FROM events WHERE seq = 2; UPDATE events SET seq = seq - 1 WHERE seq > 2`, 2, false},
		{"swapped", `UPDATE events SET seq = -2 WHERE seq = 2; UPDATE events SET seq = 2 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = -2`, 2, false},
		{"tail cut, with head", `DELETE FROM events WHERE seq >= 5`, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openAudit(t)
			for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
				recordN(t, s, scopeEvent(n))
			}
			head, err := s.LogHead(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.db.Exec(tt.sql); err != nil {
				t.Fatal(err)
			}
			var h *keys.Head
			if tt.head {
				h = &head
			}
			_, err = s.CheckLog(context.Background(), h)
			var ce *keys.ChainError
			if !errors.As(err, &ce) || ce.Seq != tt.seq || keys.ErrorCode(err) != keys.EINTERNAL {
				t.Fatalf("got %v, want seq %d", err, tt.seq)
			}
		})
	}
}

// TestRecordActorQuoted: the actor is written into the bulk INSERT as a
// literal; one with quotes and SQL in it is recorded as given, and the
// chain holds.
func TestRecordActorQuoted(t *testing.T) {
	s, _ := openAudit(t)
	s.Actor = `O'Brien'); DROP TABLE keys; -- "x" ''`
	many := make([]keys.Event, 70)
	for i := range many {
		many[i] = scopeEvent("q")
	}
	recordN(t, s, many...)
	ctx := context.Background()
	if h, err := s.CheckLog(ctx, nil); err != nil || h.Seq != 70 {
		t.Fatalf("CheckLog: %v, %v", h, err)
	}
	n := 0
	err := s.Events(ctx, keys.EventFilter{}, func(e *keys.Event) error {
		if e.Actor != s.Actor {
			t.Errorf("seq %d actor %q, want %q", e.Seq, e.Actor, s.Actor)
		}
		n++
		return nil
	})
	if err != nil || n != 70 {
		t.Fatalf("%d events, %v", n, err)
	}
	if _, err := s.db.Exec(`SELECT count(*) FROM keys`); err != nil {
		t.Fatalf("keys: %v", err)
	}
}
