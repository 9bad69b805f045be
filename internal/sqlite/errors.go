package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/keyward/keyward/internal/keys"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// translate turns a driver error into a keyward error: one line the
// operator can act on, never a raw SQLite message.
func (s *Store) translate(op string, err error) error {
	if err == nil {
		return nil
	}
	var ke *keys.Error
	if errors.As(err, &ke) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return keys.Errorf(keys.EINTERRUPTED, "interrupted", "interrupted; nothing was changed").Wrap(err)
	}
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_INTERRUPT:
			return keys.Errorf(keys.EINTERRUPTED, "interrupted", "interrupted; nothing was changed").Wrap(err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return keys.Errorf(keys.EINTERNAL, "db_busy", "database %s stayed busy for %s", s.path, retryFor).Wrap(err)
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return keys.Errorf(keys.EINTERNAL, "db_read_only", "cannot %s database %s: it is read-only", op, s.path).Wrap(err)
		case sqlite3.SQLITE_FULL:
			return keys.Errorf(keys.EINTERNAL, "disk_full", "cannot %s database %s: the disk is full; nothing was changed", op, s.path).Wrap(err)
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return keys.Errorf(keys.EINTERNAL, "db_corrupt", "database %s is corrupt", s.path).
				With("path", s.path).Wrap(err)
		case sqlite3.SQLITE_CANTOPEN:
			return keys.Errorf(keys.EINTERNAL, "db_cannot_open", "cannot open database %s", s.path).Wrap(err)
		case sqlite3.SQLITE_IOERR:
			if e.Code() == sqlite3.SQLITE_IOERR_WRITE {
				// ENOSPC is SQLITE_FULL; a write refused for another
				// reason (a quota, a file size limit) lands here.
				return keys.Errorf(keys.EINTERNAL, "io_error", "cannot %s database %s: the write failed (disk full or over a quota?); nothing was changed", op, s.path).
					With("problem", "write").Wrap(err)
			}
			return keys.Errorf(keys.EINTERNAL, "io_error", "cannot %s database %s: I/O error; nothing was changed", op, s.path).
				With("problem", "io").Wrap(err)
		}
	}
	return keys.Errorf(keys.EINTERNAL, "db_error", "cannot %s database %s", op, s.path).Wrap(err)
}

func internal(path, op string, err error) error {
	msg := fmt.Sprintf("cannot %s %s", op, path)
	var pe *os.PathError
	if errors.As(err, &pe) {
		msg += ": " + strings.TrimPrefix(pe.Err.Error(), "open ")
	}
	return keys.Errorf(keys.EINTERNAL, "io_error", "%s", msg).
		With("problem", "path").Wrap(err)
}

func refuse(path, reason, what string) error {
	return keys.Errorf(keys.EINTERNAL, reason, "refusing %s: it %s", path, what).With("path", path)
}
