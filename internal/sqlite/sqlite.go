// Package sqlite stores keyward's keys, scopes and tokens in one SQLite
// file, shared safely by many processes.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// applicationID marks a SQLite file as keyward's ("kywd").
const applicationID = 0x6b797764

//go:embed migrations/*.sql
var migrationFS embed.FS

// maxConns bounds the pool: enough for a server's concurrent readers.
const maxConns = 16

// busyTimeout is how long SQLite itself waits for a lock; retryFor bounds
// the store's own retries of a whole transaction on top of it.
const (
	busyTimeout = 10 * time.Second
	retryFor    = 30 * time.Second
)

var _ keys.Store = (*Store)(nil)

// Store implements keys.Store on a SQLite file.
type Store struct {
	db   *sql.DB
	path string
	// snapshot is set when the file is read without SQLite's locks (a
	// WAL database this process cannot write): the state it was opened in.
	snapshot *stamp
	Policy   keys.Policy
	// Now is the clock, read once per transaction.
	Now func() time.Time
	// TouchWait bounds how long Touch waits for another writer's lock
	// (0: a quarter of a second).
	TouchWait time.Duration
	// Actor is who the audit log records as making the changes.
	Actor string
	// unaudited turns the audit log off, for the benchmark that measures
	// what it costs; nothing else sets it.
	unaudited bool
}

// Open opens the keyward database at path, creating it (0600, in a 0700
// directory) if it does not exist. A file that is not a keyward database
// is refused and left as it was.
func Open(ctx context.Context, path string, policy keys.Policy) (*Store, error) {
	if err := ValidatePath(path); err != nil {
		return nil, err
	}
	created, err := prepareFile(path)
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, Policy: policy, Now: time.Now}
	if err := s.openDB(ctx, created); err != nil {
		return nil, err
	}
	return s, nil
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file.
func (s *Store) Path() string { return s.path }

func dsn(path string, immutable bool) string {
	q := url.Values{}
	if immutable {
		q.Set("mode", "ro")
		q.Set("immutable", "1")
	}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	// Every transaction takes the write lock at BEGIN: a deferred one
	// that upgrades later fails with SQLITE_BUSY whatever the timeout.
	q.Set("_txlock", "immediate")
	// A clean path, made explicit when relative: SQLite reads the part
	// after "file:" as a URI, where "//" would start a host name.
	path = filepath.Clean(path)
	if !filepath.IsAbs(path) {
		path = "./" + path
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// prepareFile makes sure path is either a new, empty, private file or
// something that starts like a SQLite database. It reports whether the
// file is new.
func prepareFile(path string) (created bool, err error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// A dangling symbolic link names the file to create.
		target, err := resolveLinks(path)
		if err != nil {
			return false, err
		}
		return createPrivate(target)
	case err != nil:
		return false, internal(path, "open", err)
	case fi.IsDir():
		return false, keys.Errorf(keys.EINTERNAL, "db_not_file", "database %s is a directory", path).
			With("path", path, "problem", "directory")
	case !fi.Mode().IsRegular():
		return false, keys.Errorf(keys.EINTERNAL, "db_not_file", "database %s is not a regular file", path).
			With("path", path)
	case fi.Size() == 0:
		return false, nil
	}
	return false, checkHeader(path, fi.Size())
}

// mkdirPrivate creates dir and missing parents with mode 0700.
func mkdirPrivate(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return internal(missing[i], "create directory", err)
		}
		os.Chmod(missing[i], 0o700)
	}
	return nil
}

// checkHeader reads the 100-byte SQLite header without opening the file
// as a database, so that a foreign file gets no -wal or -shm beside it.
func checkHeader(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return internal(path, "open", err)
	}
	defer f.Close()
	var h [100]byte
	n, err := io.ReadFull(f, h[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return internal(path, "read", err)
	}
	if n < 16 || string(h[:16]) != "SQLite format 3\x00" {
		return refuse(path, "not_sqlite", "is not a SQLite database")
	}
	if n < 100 {
		return refuse(path, "truncated", "is truncated")
	}
	// The size now, after the header: a header read after a stat may
	// be newer than the size that stat saw.
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	pageSize := int64(binary.BigEndian.Uint16(h[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	validFor := binary.BigEndian.Uint32(h[92:96])
	changes := binary.BigEndian.Uint32(h[24:28])
	if validFor == changes && size < pageSize*pages && !beingWritten(path) {
		// Another process may have written page 1, with the new size,
		// and be writing the pages that grow the file: it keeps a
		// -journal or -wal file until they are all written.
		if fi, err := f.Stat(); err != nil || fi.Size() < pageSize*pages {
			return refuse(path, "truncated", fmt.Sprintf("is truncated (%d of %d bytes)", size, pageSize*pages))
		}
	}
	// What SQLite would refuse anyway is refused before it opens the
	// file: opening creates -wal and -shm files beside it, and closing
	// checkpoints a pending -wal into it. A pending -wal may hold a newer
	// header than the file's own.
	if wh, walPages, ok := walPage1(path); ok {
		h, pages, validFor, changes = [100]byte(wh), int64(walPages), 0, 0
	}
	appID := binary.BigEndian.Uint32(h[68:72])
	version := int(binary.BigEndian.Uint32(h[60:64]))
	switch {
	case appID == applicationID && version > len(migrationNames()):
		return errNewerSchema(path, version)
	case appID != applicationID && appID != 0:
		return errForeign(path)
	case appID == 0 && validFor == changes && pages > 1:
		// keyward sets application_id in the transaction that creates
		// its tables: pages beyond the first are another's schema.
		return errForeign(path)
	}
	return nil
}

func errForeign(path string) error {
	return refuse(path, "foreign_db", "is another application's SQLite database")
}

func errNewerSchema(path string, version int) error {
	return refuse(path, "newer_schema", fmt.Sprintf("has schema version %d, newer than this keyward knows (%d)", version, len(migrationNames())))
}

// write runs fn in one BEGIN IMMEDIATE transaction with the clock read
// once, and runs it again with backoff if SQLite still reports the
// database busy after its own timeout.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	return s.retryBusy(ctx, func() error { return s.writeOnce(ctx, fn) })
}

// retryBusy runs fn, and again with backoff while it fails with
// SQLITE_BUSY, for at most retryFor.
func (s *Store) retryBusy(ctx context.Context, fn func() error) error {
	start := time.Now()
	backoff := 10 * time.Millisecond
	for {
		err := fn()
		if err == nil || !isBusy(err) || time.Since(start) > retryFor {
			return err
		}
		select {
		case <-ctx.Done():
			return s.translate("write", ctx.Err())
		case <-time.After(backoff/2 + rand.N(backoff)):
		}
		backoff = min(backoff*2, time.Second)
	}
}

func (s *Store) writeOnce(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.translate("write", err)
	}
	defer tx.Rollback()
	if err := fn(tx, s.now()); err == errRollback {
		return nil
	} else if err != nil {
		return s.translate("write", err)
	}
	if err := tx.Commit(); err != nil {
		return s.translate("commit", err)
	}
	return nil
}

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

func isBusy(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		c := e.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// Version is the version of the SQLite library inside keyward.
func Version() string {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return "unknown"
	}
	defer db.Close()
	var v string
	if err := db.QueryRow(`SELECT sqlite_version()`).Scan(&v); err != nil {
		return "unknown"
	}
	return v
}
