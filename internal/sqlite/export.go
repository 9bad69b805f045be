package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// Export reads the scope registry, then every key with its stored hash in
// the order the keys were created, in one read transaction: one snapshot,
// while other processes go on writing.
func (s *Store) Export(ctx context.Context, scope func(keys.Scope) error, key func(k *keys.Key, hash, previousHash string) error) error {
	now := s.now()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.translate("read", err)
	}
	defer conn.Close()
	// A deferred transaction only reads: in WAL mode it holds a snapshot
	// without the write lock every BeginTx of this store takes.
	if _, err := conn.ExecContext(ctx, `BEGIN DEFERRED`); err != nil {
		return s.translate("read", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
	var reg []keys.Scope
	scopes, err := conn.QueryContext(ctx, `SELECT name, description, admin_only, created_at FROM scopes ORDER BY name`)
	if err != nil {
		return s.translate("read", err)
	}
	for scopes.Next() {
		var sc keys.Scope
		var created int64
		if err := scopes.Scan(&sc.Name, &sc.Description, &sc.AdminOnly, &created); err != nil {
			scopes.Close()
			return s.translate("read", err)
		}
		sc.CreatedAt = unix(created)
		reg = append(reg, sc)
	}
	scopes.Close()
	if err := scopes.Err(); err != nil {
		return s.translate("read", err)
	}
	for _, sc := range reg {
		if err := scope(sc); err != nil {
			return err
		}
	}
	rows, err := conn.QueryContext(ctx, `SELECT hash, ifnull(previous_hash, ''), `+keyColumns+` FROM keys ORDER BY created_at, rowid`)
	if err != nil {
		return s.translate("read", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hash, previous string
		k, err := scanKey(prefixRows{rows, []any{&hash, &previous}}, now)
		if err != nil {
			return s.translate("read", err)
		}
		if err := key(k, hash, previous); err != nil {
			return err
		}
	}
	return s.translate("read", rows.Err())
}

// prefixRows scans the hashes before the key's columns.
type prefixRows struct {
	rows *sql.Rows
	lead []any
}

func (p prefixRows) Scan(dest ...any) error { return p.rows.Scan(append(p.lead, dest...)...) }

// importScopes registers the scope lines of an export. A scope already
// registered the same way is kept as it is; one registered differently
// (admin-only or not) conflicts.
func importScopes(ctx context.Context, tx *sql.Tx, items []keys.ImportItem, now time.Time) (added []keys.Event, err error) {
	for _, it := range items {
		sc := it.Scope
		if sc == nil {
			continue
		}
		created := sc.CreatedAt
		if created.IsZero() {
			created = now
		}
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO scopes (name, description, admin_only, created_at) VALUES (?, ?, ?, ?)`,
			sc.Name, sc.Description, sc.AdminOnly, created.Unix())
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, err
		} else if n == 1 {
			added = append(added, keys.ScopeEvent(keys.ActionScopeAdd, *sc))
		}
		var adminOnly bool
		if err := tx.QueryRowContext(ctx, `SELECT admin_only FROM scopes WHERE name = ?`, sc.Name).Scan(&adminOnly); err != nil {
			return nil, err
		}
		if adminOnly != sc.AdminOnly {
			return nil, keys.ErrScopeConflict(it.Line, sc.Name, adminOnly)
		}
	}
	return added, nil
}
