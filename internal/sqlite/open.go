package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// ValidatePath refuses a database setting that SQLite would not take as a
// plain file: ":memory:" and "" keep nothing, and a "file:" URI or another
// URL means something other than the file it seems to name. A path is a
// path.
func ValidatePath(path string) error {
	lower := strings.ToLower(path)
	switch {
	case path == "":
		return keys.Errorf(keys.EINVALID, "invalid_db", "database path is empty")
	case path == ":memory:" || strings.HasPrefix(lower, "file:"):
		return keys.Errorf(keys.EINVALID, "invalid_db", "database %q is not a file path: keyward keeps its keys in a file", clip(path)).
			With("problem", "special")
	case strings.Contains(lower, "://"):
		if i := strings.Index(lower, "://"); i > 0 && !strings.ContainsAny(lower[:i], "/.") {
			return keys.Errorf(keys.EINVALID, "invalid_db", "database %q is a URL keyward cannot open", clip(path)).
				With("problem", "url")
		}
	case strings.ContainsRune(path, 0):
		return keys.Errorf(keys.EINVALID, "invalid_db", "database path contains a NUL byte")
	}
	return nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// resolveLinks follows path while it is a symbolic link and returns the
// file it finally names, which may not exist: a dangling link's target is
// created by keyward itself, private like any file it creates.
func resolveLinks(path string) (string, error) {
	for range 40 {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", internal(path, "read link", err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", keys.Errorf(keys.EINTERNAL, "db_not_file", "database %s: too many levels of symbolic links", path).
		With("path", path)
}

// createPrivate creates path, a file that must not exist yet, with mode
// 0600 whatever the umask, and its missing directories with mode 0700.
// It reports false when another process created it first.
func createPrivate(path string) (bool, error) {
	if err := mkdirPrivate(filepath.Dir(path)); err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|oNoFollow, 0o600)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, internal(path, "create", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return false, internal(path, "create", err)
	}
	return true, f.Close()
}

// walMode reports whether the header h says the file is in WAL mode.
func walMode(h []byte) bool { return len(h) >= 20 && h[18] == 2 && h[19] == 2 }

// cannotWrite reports whether this process may not write path, or may not
// create the -wal and -shm files a WAL database needs beside it when they
// do not exist yet.
func cannotWrite(path string) bool {
	if access(path, 2) != nil {
		return true
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return false
	}
	return access(filepath.Dir(path), 2|1) != nil
}

// beingWritten reports whether another process may be in the middle of
// writing path: SQLite keeps a -journal (rollback mode) or -wal file
// beside it while it does.
func beingWritten(path string) bool {
	for _, side := range []string{"-journal", "-wal"} {
		if _, err := os.Stat(path + side); err == nil {
			return true
		}
	}
	return false
}

// openDB opens the file prepared by prepareFile and brings its schema up
// to date. A WAL database this process cannot write (a service given
// read access only) is read without SQLite's locks, which would need a
// -shm file beside it; see snapshotChanged.
func (s *Store) openDB(ctx context.Context, created bool) error {
	var immutable bool
	if !created {
		if h, err := readHeader(s.path); err == nil && walMode(h) && cannotWrite(s.path) {
			if st, ok := stampOf(s.path); ok && !st.wal {
				immutable, s.snapshot = true, &st
			}
		}
	}
	db, err := sql.Open("sqlite", dsn(s.path, immutable))
	if err != nil {
		return internal(s.path, "open", err)
	}
	// A pool: in WAL mode readers on their own connections go on while
	// a writer (a transaction, or Touch) holds the write lock; writers
	// queue on SQLite's lock, not on the pool. A command that runs one
	// statement at a time uses a single connection.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	s.db = db
	// Processes opening a new file together race to migrate it; switching
	// it to WAL can fail at once with SQLITE_BUSY (SQLite does not wait
	// where waiting could deadlock), so the loser tries again.
	if err := s.retryBusy(ctx, func() error { return s.checkSchema(ctx, created) }); err != nil {
		db.Close()
		return err
	}
	return nil
}

func readHeader(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := make([]byte, 100)
	_, err = io.ReadFull(f, h)
	return h, err
}

// walSwitchWait bounds how long ensureWAL waits for the file.
const walSwitchWait = 250 * time.Millisecond

// ensureWAL switches a keyward database found in rollback-journal mode (a
// VACUUM INTO copy, a restored backup) to WAL, so that readers such as
// verify never wait for, or stumble on, a writer. A file this process
// cannot write stays as it is.
//
// It runs on every open, not only for commands that write: verify records
// last_used_at, and a read-only command on a writable file costs one
// PRAGMA.
func (s *Store) ensureWAL(ctx context.Context) error {
	if s.snapshot != nil {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var mode string
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if mode == "wal" || cannotWrite(s.path) {
		return nil
	}
	// Best effort: the switch needs the file to itself for a moment, and
	// a database busy with another program's writes is still sound in
	// rollback mode; the next command that finds it idle switches it.
	conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, walSwitchWait.Milliseconds()))
	conn.ExecContext(ctx, `PRAGMA journal_mode=WAL`)
	// The connection goes back to the pool: restore its patience.
	_, err = conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, busyTimeout.Milliseconds()))
	return err
}

// snapshotChanged reports whether the file read without locks has changed
// since it was opened, or is being written: what was read from it may mix
// two states, and must be read again through SQLite's locks.
func (s *Store) snapshotChanged() bool {
	if s.snapshot == nil {
		return false
	}
	st, ok := stampOf(s.path)
	return !ok || st != *s.snapshot
}

// stableRead runs read against the database. When the file was opened
// without locks and changed meanwhile (its owner wrote and checkpointed),
// what read saw may mix two states: it runs again on a fresh connection,
// through SQLite's locks when a writer's -wal and -shm now exist.
func (s *Store) stableRead(ctx context.Context, read func(q querier) error) error {
	err := read(s.db)
	if !s.snapshotChanged() {
		return err
	}
	for range 3 {
		before, ok := stampOf(s.path)
		if !ok {
			break
		}
		db, err := sql.Open("sqlite", dsn(s.path, !before.wal))
		if err != nil {
			return err
		}
		err = read(db)
		db.Close()
		if after, ok := stampOf(s.path); before.wal || (ok && after == before) {
			return err
		}
	}
	return keys.Errorf(keys.EINTERNAL, "db_busy", "database %s kept changing while it was read", s.path)
}
