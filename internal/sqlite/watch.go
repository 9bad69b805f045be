package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// watchBusyWait bounds how long the watcher's connection waits for a lock.
// Requests wait behind it, so a batch of last-use writes that meets
// another process's write transaction gives up and is tried again later.
const watchBusyWait = 20 * time.Millisecond

// Watcher tells a long-running reader (keyward serve) when another
// process has committed, and records last use without telling itself.
// It holds one connection of its own: PRAGMA data_version on a connection
// changes when any other connection commits, and only then, so the
// watcher's own last_used_at writes leave it unchanged.
type Watcher struct {
	db   *sql.DB
	path string

	mu      sync.Mutex // one statement at a time on the one connection
	conn    *sql.Conn
	version *sql.Stmt
}

// Watch opens the store's watcher, on a connection of its own.
func (s *Store) Watch(ctx context.Context) (*Watcher, error) {
	db, err := sql.Open("sqlite", dsn(s.path))
	if err != nil {
		return nil, internal(s.path, "open", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	w := &Watcher{db: db, path: s.path}
	if w.conn, err = db.Conn(ctx); err == nil {
		_, err = w.conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, watchBusyWait.Milliseconds()))
	}
	if err == nil {
		w.version, err = w.conn.PrepareContext(ctx, `PRAGMA data_version`)
	}
	if err != nil {
		db.Close()
		return nil, s.translate("open", err)
	}
	return w, nil
}

// SetReaders lets up to n look-ups read the database at once; a command
// needs one connection, a server answering many requests more.
func (s *Store) SetReaders(n int) { s.db.SetMaxOpenConns(n); s.db.SetMaxIdleConns(n) }

// Changes returns PRAGMA data_version: it differs from the value it
// returned before whenever another connection has committed since.
func (w *Watcher) Changes(ctx context.Context) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var v int64
	if err := w.version.QueryRowContext(ctx).Scan(&v); err != nil {
		return 0, err
	}
	return uint64(v), nil
}

// Touch records last_used_at for each key, unless it was recorded less
// than keys.LastUsedInterval before, in one transaction on the watcher's
// connection: its commit does not change what Changes returns. A lock
// held by another process makes it fail at once; the caller tries again.
func (w *Watcher) Touch(ctx context.Context, uses map[string]time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	tx, err := w.conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE, per the DSN
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, touchQuery)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for id, at := range uses {
		if _, err := stmt.ExecContext(ctx, at.UTC().Unix(), id, int64(keys.LastUsedInterval/time.Second)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// touchQuery is the conditional last-use write: at most one per key per
// keys.LastUsedInterval, whoever records it.
const touchQuery = `UPDATE keys SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at <= ?1 - ?3)`

// Ping reports whether the database answers a query.
func (w *Watcher) Ping(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var n int
	return w.conn.QueryRowContext(ctx, `SELECT count(*) FROM keys WHERE 0`).Scan(&n)
}

// Close releases the watcher's connection.
func (w *Watcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.version.Close()
	w.conn.Close()
	return w.db.Close()
}
