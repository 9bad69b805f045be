package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// watchFixture is a serving store with its watcher, and a second store on
// the same file playing another keyward process.
type watchFixture struct {
	serving, other *Store
	w              *Watcher
	path           string
}

func newWatchFixture(t *testing.T) *watchFixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyward.db")
	other, err := Open(ctx, path, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	serving, err := Open(ctx, path, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serving.Close() })
	w, err := serving.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return &watchFixture{serving: serving, other: other, w: w, path: path}
}

func (fx *watchFixture) changes(t *testing.T) uint64 {
	t.Helper()
	v, err := fx.w.Changes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func createWith(t *testing.T, s *Store, alias string) keys.Credential {
	t.Helper()
	c := keys.NewCredential("kw", keys.KindKey)
	if _, err := s.CreateKey(context.Background(), keys.CreateRequest{Alias: alias, Credential: c}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWatcherSeesOthersCommitsNotItsOwn(t *testing.T) {
	fx := newWatchFixture(t)
	ctx := context.Background()
	if fx.w.shm == nil {
		t.Fatal("the wal-index header is not read: every check would run the pragma")
	}
	v0 := fx.changes(t)
	if v := fx.changes(t); v != v0 {
		t.Fatalf("changed with no commit: %d → %d", v0, v)
	}
	c := createWith(t, fx.other, "ci-bot")
	v1 := fx.changes(t)
	if v1 == v0 {
		t.Fatal("another connection's commit went unseen")
	}
	// The serving store's own pool is another connection too.
	if _, err := fx.serving.RevokeKeys(ctx, []string{"ci-bot"}, ""); err != nil {
		t.Fatal(err)
	}
	v2 := fx.changes(t)
	if v2 == v1 {
		t.Fatal("a revoke on the store's pool went unseen")
	}
	// The watcher's own writes leave it unchanged, and write once a minute.
	at := time.Now().UTC().Truncate(time.Second)
	if err := fx.w.Touch(ctx, map[string]time.Time{c.ID: at}); err != nil {
		t.Fatal(err)
	}
	if v := fx.changes(t); v != v2 {
		t.Errorf("its own last-use write changed it: %d → %d", v2, v)
	}
	k, err := fx.other.FindKey(ctx, "ci-bot")
	if err != nil || k.LastUsedAt == nil || !k.LastUsedAt.Equal(at) {
		t.Fatalf("last_used_at %v %v, want %s", k.LastUsedAt, err, at)
	}
	if err := fx.w.Touch(ctx, map[string]time.Time{c.ID: at.Add(30 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if k, _ := fx.other.FindKey(ctx, "ci-bot"); !k.LastUsedAt.Equal(at) {
		t.Errorf("written again within a minute: %v", k.LastUsedAt)
	}
	if err := fx.w.Touch(ctx, map[string]time.Time{c.ID: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if k, _ := fx.other.FindKey(ctx, "ci-bot"); !k.LastUsedAt.Equal(at.Add(time.Minute)) {
		t.Errorf("not written a minute later: %v", k.LastUsedAt)
	}
	if err := fx.w.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
}

// A checkpoint that restarts the WAL rewrites the header; a commit after
// it is still seen.
func TestWatcherAcrossWALRestart(t *testing.T) {
	fx := newWatchFixture(t)
	createWith(t, fx.other, "a")
	v := fx.changes(t)
	if _, err := fx.other.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	fx.changes(t)
	for i, alias := range []string{"b", "c", "d"} {
		createWith(t, fx.other, alias)
		nv := fx.changes(t)
		if nv == v {
			t.Fatalf("commit %d after the restart went unseen", i)
		}
		v = nv
	}
}

// Every commit is seen, each by the next check, however many there are.
func TestWatcherSeesEveryCommit(t *testing.T) {
	fx := newWatchFixture(t)
	v := fx.changes(t)
	for i := range 50 {
		createWith(t, fx.other, "k"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		nv := fx.changes(t)
		if nv == v {
			t.Fatalf("commit %d went unseen", i)
		}
		v = nv
	}
}

func TestPreparedFinderFindsWhatTheStoreFinds(t *testing.T) {
	fx := newWatchFixture(t)
	ctx := context.Background()
	c := createWith(t, fx.other, "ci-bot")
	f := fx.serving.Finder()
	for range 2 { // the second time on the prepared statements
		for _, h := range []string{c.Hash, keys.Hash("an-imported-key-nobody-has-1234")} {
			got, err1 := f.FindCredential(ctx, h)
			want, err2 := fx.serving.FindCredential(ctx, h)
			if err1 != nil || err2 != nil || (got == nil) != (want == nil) || (got != nil && (got.Key.ID != want.Key.ID || got.Kind != want.Kind)) {
				t.Errorf("finder %+v %v, store %+v %v", got, err1, want, err2)
			}
		}
		if err := fx.other.AddScope(ctx, keys.Scope{Name: "backup:read"}); err != nil && keys.ErrorCode(err) != keys.ECONFLICT {
			t.Fatal(err)
		}
		reg, err := f.Registry(ctx)
		if err != nil || len(reg) != 1 {
			t.Errorf("registry %v %v", reg, err)
		}
	}
	if _, err := f.FindCredential(ctx, "not a hash"); err == nil {
		t.Error("a malformed hash was looked up")
	}
}
