package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres"
	"github.com/keyward/keyward/internal/postgres/pgtest"
)

var watchPolicy = keys.Policy{Prefix: "kw", DefaultTTL: 15 * 24 * time.Hour, MaxTTL: 90 * 24 * time.Hour,
	TokenTTL: time.Hour, MaxTokenTTL: 24 * time.Hour, Roles: []string{"admin", "creator", "user", "agent"}, AdminRole: "admin"}

// changedWithin waits until Changes differs from v, for at most d.
func changedWithin(t *testing.T, w *postgres.Watcher, v uint64, d time.Duration) (uint64, bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		nv, err := w.Changes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if nv != v {
			return nv, true
		}
	}
	return v, false
}

func TestWatcher(t *testing.T) {
	pgtest.Skip(t)
	url := pgtest.URL(t)
	ctx := context.Background()
	other, err := postgres.Open(ctx, url, watchPolicy, true)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	serving, err := postgres.Open(ctx, url, watchPolicy, false)
	if err != nil {
		t.Fatal(err)
	}
	defer serving.Close()
	w, err := serving.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	v, _ := w.Changes(ctx)

	c := keys.NewCredential("kw", keys.KindKey)
	if _, err := other.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", Credential: c}); err != nil {
		t.Fatal(err)
	}
	v, ok := changedWithin(t, w, v, time.Second)
	if !ok {
		t.Fatal("a commit by another connection went unseen for a second")
	}

	// A notification on the channel is seen too.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	time.Sleep(100 * time.Millisecond) // the watcher's LISTEN is in place
	before := v
	if _, err := conn.Exec(ctx, `SELECT pg_notify($1, '')`, postgres.ChangesChannel); err != nil {
		t.Fatal(err)
	}
	if _, ok := changedWithin(t, w, before, time.Second); !ok {
		t.Error("a notification went unseen")
	}

	at := time.Now().UTC().Truncate(time.Second)
	if err := w.Touch(ctx, map[string]time.Time{c.ID: at}); err != nil {
		t.Fatal(err)
	}
	if err := w.Touch(ctx, map[string]time.Time{c.ID: at.Add(30 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	k, err := other.FindKey(ctx, "ci-bot")
	if err != nil || k.LastUsedAt == nil || !k.LastUsedAt.Equal(at) {
		t.Errorf("last_used_at %v %v, want %s (once a minute)", k.LastUsedAt, err, at)
	}
	if err := w.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
}
