//go:build linux

package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// TestReadOnlyWatcherFollowsCommits: the read-only watcher starts on a
// closed database (no -wal: the file read as it stands), and every
// commit another store makes and closes is seen at once — the first one
// by the switch to the -wal it created, which its lock kept in place —
// while readers ask concurrently (go test -race).
func TestReadOnlyWatcherFollowsCommits(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keyward.db")
	setup, err := Open(ctx, path, testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	cred := createWith(t, setup, "followed")
	setup.Close()
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("a -wal is left after the store closed")
	}
	// Only the watcher reads: a store's own connections would make the
	// -wal a reader that may write would.
	reading := &Store{path: path, Policy: testPolicy, Now: time.Now}
	w, err := reading.WatchReadOnly(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f := w.Finder()
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("the read-only watcher made a -wal")
	}

	status := func() keys.Status {
		t.Helper()
		sub, err := f.FindCredential(ctx, cred.Hash)
		if err != nil || sub == nil {
			t.Fatalf("look-up: %v %v", sub, err)
		}
		return keys.StatusAt(sub.Key.RevokedAt, sub.Key.ExpiresAt, reading.now())
	}
	// Readers run throughout, for the race detector.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				w.Changes(ctx)
				f.FindCredential(ctx, cred.Hash)
				w.Ping(ctx)
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	seen := map[uint64]bool{}
	v, err := w.Changes(ctx)
	if err != nil || status() != keys.StatusActive {
		t.Fatalf("at start: %v %s", err, status())
	}
	seen[v] = true
	for i, step := range []struct {
		do   func(s *Store) error
		want keys.Status
	}{
		{func(s *Store) error { _, err := s.RevokeKeys(ctx, []string{"followed"}, ""); return err }, keys.StatusRevoked},
		{func(s *Store) error {
			_, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"followed"}, Reactivate: true})
			return err
		}, keys.StatusActive},
		{func(s *Store) error { _, err := s.RevokeKeys(ctx, []string{"followed"}, "again"); return err }, keys.StatusRevoked},
	} {
		other, err := Open(ctx, path, testPolicy)
		if err != nil {
			t.Fatal(err)
		}
		if err := step.do(other); err != nil {
			t.Fatal(err)
		}
		other.Close()
		if _, err := os.Stat(path + "-wal"); err != nil {
			t.Errorf("step %d: the -wal went away under the watcher's lock", i)
		}
		v, err := w.Changes(ctx)
		if err != nil || seen[v] {
			t.Errorf("step %d: Changes = %d, %v: not a new number after a commit", i, v, err)
		}
		seen[v] = true
		if got := status(); got != step.want {
			t.Errorf("step %d: %s, want %s", i, got, step.want)
		}
	}
}
