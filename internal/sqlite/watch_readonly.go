package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// ReadOnly reports whether this process cannot write the database, or
// cannot create the -wal and -shm files it would need beside it: it may
// then only read it, as a service given group read does.
func (s *Store) ReadOnly() bool { return cannotWrite(s.path) }

// ReadOnlyWatcher follows a WAL database this process may only read, for
// keyward serve: it can neither create the -wal and -shm files SQLite's
// locks live in nor write last use.
//
// It holds a read lock on the database file, the lock every reader of a
// WAL database holds while it is open (pin). The process that closes the
// database last deletes its -wal and -shm only when it can lock the
// whole file, so from then on they stay. Until a writer first creates
// them, nothing can have been committed since the lock was taken: the
// file is read as it stands, without locks (immutable). Once the -wal
// exists, the watcher reads through SQLite's own read-only WAL support:
// the -shm mapped read-only and PRAGMA data_version, as Watcher does.
type ReadOnlyWatcher struct {
	s   *Store
	pin *os.File

	mu      sync.Mutex // one switch at a time
	current atomic.Pointer[roReader]
	wal     *Watcher  // set with the switch to the -wal
	closers []*sql.DB // every reader opened, closed by Close
}

// roReader is the database as it is read now.
type roReader struct {
	db        *sql.DB
	q         *preparedQuerier
	immutable bool // the phase before any -wal: the file as it stands
}

// beforeWAL is what Changes returns while no -wal exists: data_version
// never reaches it.
const beforeWAL = 1 << 63

// WatchReadOnly opens the watcher of a database this process may only
// read. A database in rollback-journal mode is refused: its writers need
// the whole file to themselves, which the lock would deny them.
func (s *Store) WatchReadOnly(ctx context.Context) (*ReadOnlyWatcher, error) {
	pin, err := pinShared(ctx, s.path)
	if err != nil {
		return nil, keys.Errorf(keys.EINTERNAL, "db_read_only", "cannot follow database %s, which this user may only read: %v", s.path, err).
			With("path", s.path, "problem", "pin").Wrap(err)
	}
	w := &ReadOnlyWatcher{s: s, pin: pin}
	if h, err := readHeader(s.path); err != nil || !walMode(h) {
		w.Close()
		return nil, keys.Errorf(keys.EINTERNAL, "db_read_only", "database %s is not in WAL mode, and this user may only read it", s.path).
			With("path", s.path, "problem", "rollback")
	}
	if err := w.follow(ctx); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// follow opens the reader the files call for: the file as it stands
// while there is no -wal, SQLite's read-only WAL reader once there is.
func (w *ReadOnlyWatcher) follow(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r := w.current.Load(); r != nil && !r.immutable {
		return nil
	}
	_, err := os.Stat(w.s.path + "-wal")
	hasWAL := err == nil
	if r := w.current.Load(); r != nil && !hasWAL {
		return nil
	}
	db, err := sql.Open("sqlite", readOnlyDSN(w.s.path, !hasWAL))
	if err != nil {
		return internal(w.s.path, "open", err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	w.closers = append(w.closers, db)
	if hasWAL {
		wal := &Watcher{path: w.s.path}
		if wal.db, err = sql.Open("sqlite", readOnlyDSN(w.s.path, false)); err != nil {
			return internal(w.s.path, "open", err)
		}
		if err := wal.start(ctx); err != nil {
			wal.db.Close()
			return w.s.translate("open", err)
		}
		w.wal = wal
	}
	w.current.Store(&roReader{db: db, q: &preparedQuerier{db: db, stmts: make(map[string]*sql.Stmt)}, immutable: !hasWAL})
	return nil
}

// readOnlyDSN opens the file for reading only; SQLite may then map an
// existing -shm, but never create one.
func readOnlyDSN(path string, immutable bool) string {
	d := dsn(path, immutable)
	if !immutable {
		d += "&mode=ro&readonly_shm=1"
	}
	return d
}

// Changes implements serve's Watcher: a number that differs whenever
// another process has committed since it was last asked.
func (w *ReadOnlyWatcher) Changes(ctx context.Context) (uint64, error) {
	if err := w.follow(ctx); err != nil {
		return 0, err
	}
	if w.current.Load().immutable {
		return beforeWAL, nil
	}
	return w.wal.Changes(ctx)
}

// Touch records nothing: this process may not write the database.
func (w *ReadOnlyWatcher) Touch(context.Context, map[string]time.Time) error {
	return keys.Errorf(keys.EINTERNAL, "db_read_only", "database %s is read-only to this user", w.s.path)
}

// Ping reports whether the database answers a query.
func (w *ReadOnlyWatcher) Ping(ctx context.Context) error {
	if err := w.follow(ctx); err != nil {
		return err
	}
	var n int
	return w.current.Load().db.QueryRowContext(ctx, `SELECT count(*) FROM keys WHERE 0`).Scan(&n)
}

// Close releases the readers and the lock.
func (w *ReadOnlyWatcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	if w.wal != nil {
		errs = append(errs, w.wal.Close())
	}
	for _, db := range w.closers {
		errs = append(errs, db.Close())
	}
	errs = append(errs, w.pin.Close())
	return errors.Join(errs...)
}

// Finder returns the look-ups of a long-running reader, made on the
// reader the files call for.
func (w *ReadOnlyWatcher) Finder() keys.Finder { return roFinder{w} }

type roFinder struct{ w *ReadOnlyWatcher }

func (f roFinder) FindCredential(ctx context.Context, hash string) (sub *keys.Subject, err error) {
	err = f.w.read(ctx, func(q querier) error {
		sub, err = findCredential(ctx, q, hash, f.w.s.now())
		return err
	})
	return sub, f.w.s.translate("read", err)
}

func (f roFinder) Registry(ctx context.Context) (reg keys.Registry, err error) {
	err = f.w.read(ctx, func(q querier) error {
		reg, err = loadRegistry(ctx, q)
		return err
	})
	return reg, f.w.s.translate("read", err)
}

// read runs fn on the current reader. A read of the file as it stands
// that a writer overtook (a -wal appeared meanwhile, and a checkpoint may
// have rewritten pages under it) is made again through the -wal.
func (w *ReadOnlyWatcher) read(ctx context.Context, fn func(q querier) error) error {
	if err := w.follow(ctx); err != nil {
		return err
	}
	r := w.current.Load()
	err := fn(r.q)
	if !r.immutable {
		return err
	}
	if _, serr := os.Stat(w.s.path + "-wal"); serr != nil {
		return err
	}
	if err := w.follow(ctx); err != nil {
		return err
	}
	return fn(w.current.Load().q)
}
