// Package store opens keyward's database: the one place that knows which
// engine a db setting names and whether a command may create it.
package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres"
	"github.com/keyward/keyward/internal/sqlite"
)

// Engines a db setting can name.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Options say how to open a database.
type Options struct {
	Policy keys.Policy
	// Create allows creating a missing database. Only the commands that
	// add something (create, import, scopes add) set it.
	Create bool
	// Now is the store's clock; nil means time.Now.
	Now func() time.Time
	// Actor is who the audit log records the changes against.
	Actor string
}

// Engine names the engine of db: "postgres" for a postgres:// or
// postgresql:// URL, "sqlite" for anything else (a file path).
func Engine(db string) string {
	l := strings.ToLower(db)
	if strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// Open opens db. A missing database without opt.Create is an EINTERNAL
// error with reason "db_not_found", and nothing is created: no file, no
// directory.
func Open(ctx context.Context, db string, opt Options) (keys.Store, error) {
	if db == "" {
		return nil, keys.Errorf(keys.EINVALID, "invalid_db", "database path is empty")
	}
	if Engine(db) == Postgres {
		s, err := postgres.Open(ctx, db, opt.Policy, opt.Create)
		if err != nil {
			return nil, err
		}
		if opt.Now != nil {
			s.Now = opt.Now
		}
		s.Actor = opt.Actor
		return s, nil
	}
	// Before looking for the file: ":memory:" or a file: URI is refused
	// as what it is, not reported missing.
	if err := sqlite.ValidatePath(db); err != nil {
		return nil, err
	}
	if !opt.Create {
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			return nil, NotFound(db)
		}
	}
	s, err := sqlite.Open(ctx, db, opt.Policy)
	if err != nil {
		return nil, err
	}
	if opt.Now != nil {
		s.Now = opt.Now
	}
	s.Actor = opt.Actor
	return s, nil
}

// NotFound is the error for a database that does not exist.
func NotFound(db string) *keys.Error {
	return keys.Errorf(keys.EINTERNAL, "db_not_found", "no database at %s", db)
}

// Display is db as it may be shown: a PostgreSQL URL without its
// password.
func Display(db string) string {
	if Engine(db) != Postgres {
		return db
	}
	return postgres.Redact(db) // no password, not even in a parameter
}
