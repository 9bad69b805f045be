package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"
)

// checkSchema recognises keyward's database and brings its schema up to
// date. Reading application_id and user_version is the whole cost of an
// up-to-date database.
func (s *Store) checkSchema(ctx context.Context, created bool) error {
	// One statement, so one snapshot: read separately, a schema another
	// process commits in between makes a new file look foreign.
	var appID, version, tables int
	err := s.db.QueryRowContext(ctx, `SELECT a.application_id, v.user_version, (SELECT count(*) FROM sqlite_schema)
		FROM pragma_application_id() a, pragma_user_version() v`).Scan(&appID, &version, &tables)
	if err != nil {
		return s.translate("read", err)
	}
	latest := len(migrationNames())
	switch {
	case appID == applicationID && version == latest:
		return s.ensureWAL(ctx)
	case appID == applicationID && version > latest:
		return errNewerSchema(s.path, version)
	case appID == applicationID:
		return s.migrate(ctx)
	case appID == 0 && version == 0 && tables == 0:
		return s.migrate(ctx)
	}
	return errForeign(s.path)
}

// migrate applies the embedded migrations the file lacks, each numbered
// one in its own transaction that also bumps user_version.
func (s *Store) migrate(ctx context.Context) error {
	// WAL lets readers (verify) go on while a writer commits; it is a
	// property of the file and must be set outside a transaction.
	if _, err := s.db.ExecContext(ctx, `PRAGMA journal_mode=WAL`); err != nil {
		return s.translate("set up", err)
	}
	for i, name := range migrationNames() {
		version := i + 1
		err := s.write(ctx, func(tx *sql.Tx, _ time.Time) error {
			var appID, have, tables int
			if err := tx.QueryRowContext(ctx, `SELECT a.application_id, v.user_version, (SELECT count(*) FROM sqlite_schema) FROM pragma_application_id() a, pragma_user_version() v`).Scan(&appID, &have, &tables); err != nil {
				return err
			}
			if appID != applicationID && (appID != 0 || have != 0 || tables != 0) {
				return errForeign(s.path)
			}
			if have >= version {
				return nil // another process got here first
			}
			body, err := migrationFS.ReadFile("migrations/" + name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			_, err = tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = %d`, applicationID, version))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func migrationNames() []string {
	entries, _ := migrationFS.ReadDir("migrations")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}
