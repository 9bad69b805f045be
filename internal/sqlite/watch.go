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

	// The wal-index header, read from the -shm file: every commit in WAL
	// mode rewrites it (its change counter, frame count or salts), so an
	// unchanged header means PRAGMA data_version would answer as before.
	// Reading 96 mapped bytes costs nanoseconds; the pragma, a read
	// transaction and the system calls of its locks.
	shm     walHeaderReader // nil: ask the pragma every time
	state   sync.RWMutex
	header  [walHeaderSize]byte // as read just before the last pragma
	known   bool
	current uint64 // what that pragma answered
}

// walHeaderReader reads the wal-index header; false: it could not.
type walHeaderReader interface {
	read(h *[walHeaderSize]byte) bool
	close() error
}

// walHeaderSize is the two copies of the wal-index header at the start of
// the -shm file (https://sqlite.org/walformat.html#the_wal_index_file_format).
const walHeaderSize = 96

// Watch opens the store's watcher, on a connection of its own.
func (s *Store) Watch(ctx context.Context) (*Watcher, error) {
	db, err := sql.Open("sqlite", dsn(s.path, false))
	if err != nil {
		return nil, internal(s.path, "open", err)
	}
	w := &Watcher{db: db, path: s.path}
	if err := w.start(ctx); err != nil {
		db.Close()
		return nil, s.translate("open", err)
	}
	return w, nil
}

// start takes the watcher's one connection from w.db and maps the -shm.
func (w *Watcher) start(ctx context.Context) (err error) {
	w.db.SetMaxOpenConns(1)
	w.db.SetConnMaxIdleTime(0)
	w.db.SetConnMaxLifetime(0)
	if w.conn, err = w.db.Conn(ctx); err == nil {
		_, err = w.conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, watchBusyWait.Milliseconds()))
	}
	if err == nil {
		w.version, err = w.conn.PrepareContext(ctx, `PRAGMA data_version`)
	}
	if err == nil {
		_, err = w.Changes(ctx) // starts the WAL index if no one had
	}
	if err != nil {
		return err
	}
	if r, err := openWALHeader(w.path + "-shm"); err == nil {
		w.shm = r
	}
	return nil
}

// Changes returns PRAGMA data_version: it differs from the value it
// returned before whenever another connection has committed since. The
// pragma runs only when the wal-index header moved since it last ran.
func (w *Watcher) Changes(ctx context.Context) (uint64, error) {
	var h [walHeaderSize]byte
	if w.shm != nil {
		if w.shm.read(&h) {
			w.state.RLock()
			same, v := w.known && h == w.header, w.current
			w.state.RUnlock()
			if same {
				return v, nil
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// The header is read before the pragma: if it is the same later,
	// nothing was committed after the pragma's answer.
	fresh := w.shm != nil && w.shm.read(&h)
	var v int64
	err := w.version.QueryRowContext(ctx).Scan(&v)
	w.state.Lock()
	w.header, w.known, w.current = h, fresh && err == nil, uint64(v)
	w.state.Unlock()
	if err != nil {
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
	if w.shm != nil {
		w.shm.close()
	}
	w.version.Close()
	w.conn.Close()
	return w.db.Close()
}

// Finder returns a keys.Finder for a long-running reader: the same
// look-ups as the Store's, on statements prepared once per connection
// instead of parsed at every call.
func (s *Store) Finder() keys.Finder {
	return &finder{s: s, q: &preparedQuerier{db: s.db, stmts: make(map[string]*sql.Stmt)}}
}

type finder struct {
	s *Store
	q *preparedQuerier
}

func (f *finder) FindCredential(ctx context.Context, hash string) (*keys.Subject, error) {
	sub, err := findCredential(ctx, f.q, hash, f.s.now())
	return sub, f.s.translate("read", err)
}

func (f *finder) Registry(ctx context.Context) (keys.Registry, error) {
	reg, err := loadRegistry(ctx, f.q)
	return reg, f.s.translate("read", err)
}

// preparedQuerier runs each query text through a statement prepared on
// first use; database/sql then prepares it once on each connection.
type preparedQuerier struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (p *preparedQuerier) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.stmts[query]; ok {
		return st, nil
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = st
	return st, nil
}

func (p *preparedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (p *preparedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil {
		return p.db.QueryRowContext(ctx, query, args...) // carries the same error to Scan
	}
	return st.QueryRowContext(ctx, args...)
}

func (p *preparedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.db.ExecContext(ctx, query, args...)
}
