package postgres

import (
	"context"
	"embed"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the advisory lock that serialises migrations of one
// database ("kywd"): two first runs on many machines must not both create
// the tables.
const migrationLock = 0x6b797764

// schemaState is what a database holds, read in one statement so that
// one snapshot answers.
const schemaState = `SELECT
	EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'keyward_schema'),
	(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('keys', 'scopes', 'tokens'))`

// Latest is the schema version this keyward knows.
func Latest() int { return len(migrationNames()) }

// checkSchema recognises keyward's tables and brings them up to date. An
// up-to-date database costs one small query.
func (s *Store) checkSchema(ctx context.Context, create bool) error {
	// The common case first, in one round trip: keyward's tables, up to
	// date. Anything else takes a closer look.
	var have int
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM keyward_schema`).Scan(&have)
	if err == nil && have == Latest() {
		return nil
	}
	if err != nil && sqlState(err) != codeUndefinedTable {
		if c := sqlState(err); c == "42703" || c == "42883" {
			return s.errForeign()
		}
		return s.translate("read", err)
	}
	var marked bool
	var tables int
	if err := s.pool.QueryRow(ctx, schemaState).Scan(&marked, &tables); err != nil {
		return s.translate("read", err)
	}
	switch {
	case !marked && tables > 0:
		return s.errForeign()
	case !marked && !create:
		return pgError(keys.EINTERNAL, "db_not_found", s.where, "no_tables", "no database at %s", s.where)
	case !marked:
		return s.migrate(ctx)
	}
	version, err := s.version(ctx, s.pool)
	if err != nil {
		return err
	}
	switch {
	case version > Latest():
		return s.errNewer(version)
	case version < Latest():
		return s.migrate(ctx)
	}
	return nil
}

type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// version reads the schema version keyward recorded; a keyward_schema
// table that is not keyward's makes the database foreign.
func (s *Store) version(ctx context.Context, q queryRower) (int, error) {
	var v int
	if err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM keyward_schema`).Scan(&v); err != nil {
		if sqlState(err) == "42703" || sqlState(err) == "42883" {
			return 0, s.errForeign()
		}
		return 0, s.translate("read", err)
	}
	return v, nil
}

// migrate applies the migrations the database lacks in one transaction,
// under an advisory lock: a process that waited for another's migration
// finds it done. Read committed, so that the statements after the lock
// see what the previous holder committed: a serializable transaction's
// snapshot would date from before the wait.
func (s *Store) migrate(ctx context.Context) error {
	return s.writeAs(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx, now time.Time) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		var marked bool
		var tables int
		if err := tx.QueryRow(ctx, schemaState).Scan(&marked, &tables); err != nil {
			return err
		}
		if !marked && tables > 0 {
			return s.errForeign()
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS keyward_schema (
			version    integer PRIMARY KEY,
			applied_at bigint  NOT NULL
		)`); err != nil {
			return err
		}
		have, err := s.version(ctx, tx)
		if err != nil {
			return err
		}
		if have > Latest() {
			return s.errNewer(have)
		}
		for i, name := range migrationNames() {
			v := i + 1
			if v <= have {
				continue
			}
			body, err := migrationFS.ReadFile("migrations/" + name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO keyward_schema (version, applied_at) VALUES ($1, $2)`, v, now.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
}

func migrationNames() []string {
	entries, _ := migrationFS.ReadDir("migrations")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

func (s *Store) errForeign() error {
	return pgError(keys.EINTERNAL, "foreign_db", s.where, "tables", "refusing %s: it holds tables that are not keyward's (keys, scopes or tokens)", s.where)
}

func (s *Store) errNewer(version int) error {
	return pgError(keys.EINTERNAL, "newer_schema", s.where, "version", "refusing %s: it has schema version %d, newer than this keyward knows (%d)", s.where, version, Latest())
}
