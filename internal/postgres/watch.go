package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

// ChangesChannel is the channel a Watcher LISTENs on: a notification on
// it says that something keyward keeps was committed.
const ChangesChannel = "keyward_changes"

// pollEvery is the backstop: whatever notifications say, a commit is
// noticed within this long (plus one query).
const pollEvery = 250 * time.Millisecond

// Watcher tells a long-running reader (keyward serve) when something may
// have been committed: at once when a writer notifies ChangesChannel, and
// in any case within pollEvery, by polling the server's transaction
// snapshot (pg_current_snapshot() moves whenever any transaction takes a
// transaction id or ends, so no commit goes unseen; others' commits in
// the same cluster count too, which costs look-ups, never freshness).
type Watcher struct {
	s       *Store
	version atomic.Uint64
	stop    context.CancelFunc
	wg      sync.WaitGroup

	mu   sync.Mutex
	last string // the snapshot as last polled
	err  error  // the last poll's failure, nil when it succeeded
}

// Watch starts the store's watcher.
func (s *Store) Watch(ctx context.Context) (*Watcher, error) {
	w := &Watcher{s: s}
	if err := w.poll(ctx); err != nil {
		return nil, s.translate("read", err)
	}
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	w.stop = stop
	w.wg.Add(2)
	go func() { defer w.wg.Done(); w.pollLoop(bg) }()
	go func() { defer w.wg.Done(); w.listen(bg) }()
	return w, nil
}

// Changes returns a number that differs from the one before whenever a
// commit may have happened since: an atomic read, no round trip. While
// the server cannot be polled it fails, so that nothing is trusted.
func (w *Watcher) Changes(context.Context) (uint64, error) {
	w.mu.Lock()
	err := w.err
	w.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return w.version.Load(), nil
}

func (w *Watcher) poll(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var snap string
	err := w.s.pool.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&snap)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = err
	if err == nil && snap != w.last {
		w.last = snap
		w.version.Add(1)
	}
	return err
}

func (w *Watcher) pollLoop(ctx context.Context) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.poll(ctx)
		}
	}
}

// listen bumps the version on every notification, reconnecting after a
// lost connection; the poll covers the gaps.
func (w *Watcher) listen(ctx context.Context) {
	for ctx.Err() == nil {
		c, err := w.s.pool.Acquire(ctx)
		if err == nil {
			conn := c.Hijack() // LISTEN belongs to its session: not back to the pool
			if _, err = conn.Exec(ctx, "LISTEN "+pgx.Identifier{ChangesChannel}.Sanitize()); err == nil {
				for {
					if _, err = conn.WaitForNotification(ctx); err != nil {
						break
					}
					w.version.Add(1)
				}
			}
			conn.Close(context.Background())
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Touch records last_used_at for each key, unless it was recorded less
// than keys.LastUsedInterval before, in one transaction that waits at most
// touchWait for a row lock.
func (w *Watcher) Touch(ctx context.Context, uses map[string]time.Time) error {
	tx, err := w.s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('lock_timeout', $1, true)`, touchWait.String())
	interval := int64(keys.LastUsedInterval / time.Second)
	for id, at := range uses {
		unix := at.UTC().Unix()
		b.Queue(`UPDATE keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)`, unix, id, unix-interval)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Ping reports whether the server answers.
func (w *Watcher) Ping(ctx context.Context) error { return w.s.pool.Ping(ctx) }

// Close stops the watcher.
func (w *Watcher) Close() error {
	w.stop()
	w.wg.Wait()
	return nil
}
