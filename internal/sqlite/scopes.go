package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// loadRegistry reads the whole scope registry.
func loadRegistry(ctx context.Context, q querier) (keys.Registry, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, description, admin_only, created_at FROM scopes`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	reg := keys.Registry{}
	for rows.Next() {
		var sc keys.Scope
		var created int64
		if err := rows.Scan(&sc.Name, &sc.Description, &sc.AdminOnly, &created); err != nil {
			return nil, err
		}
		sc.CreatedAt = unix(created)
		reg[sc.Name] = sc
	}
	return reg, rows.Err()
}

// Scopes lists the registry with how many non-revoked keys name each scope.
func (s *Store) Scopes(ctx context.Context) ([]keys.Scope, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT s.name, s.description, s.admin_only, s.created_at, coalesce(u.n, 0)
		FROM scopes s LEFT JOIN (
			SELECT j.value AS name, count(*) AS n FROM keys k, json_each(k.scopes) j
			WHERE k.revoked_at IS NULL GROUP BY j.value
		) u ON u.name = s.name
		ORDER BY s.name`)
	if err != nil {
		return nil, s.translate("read", err)
	}
	defer rows.Close()
	out := []keys.Scope{}
	for rows.Next() {
		var sc keys.Scope
		var created int64
		if err := rows.Scan(&sc.Name, &sc.Description, &sc.AdminOnly, &created, &sc.Keys); err != nil {
			return nil, s.translate("read", err)
		}
		sc.CreatedAt = unix(created)
		out = append(out, sc)
	}
	return out, s.translate("read", rows.Err())
}

// AddScope registers a scope.
func (s *Store) AddScope(ctx context.Context, sc keys.Scope) error {
	if err := sc.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		existing, err := findScope(ctx, tx, sc.Name)
		if err != nil {
			return err
		}
		if sc, err = keys.AddScope(now, sc, existing); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO scopes (name, description, admin_only, created_at) VALUES (?, ?, ?, ?)`,
			sc.Name, sc.Description, sc.AdminOnly, sc.CreatedAt.Unix())
		if isConstraint(err) {
			_, err = keys.AddScope(now, sc, &sc)
		}
		return err
	})
}

// findScope returns the registered scope name, or nil.
func findScope(ctx context.Context, q querier, name string) (*keys.Scope, error) {
	var sc keys.Scope
	var created int64
	err := q.QueryRowContext(ctx, `SELECT name, description, admin_only, created_at FROM scopes WHERE name = ?`, name).
		Scan(&sc.Name, &sc.Description, &sc.AdminOnly, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	sc.CreatedAt = unix(created)
	return &sc, err
}

// RemoveScope unregisters a scope that no non-revoked key names.
func (s *Store) RemoveScope(ctx context.Context, name string) error {
	if err := keys.ValidateScopeName(name); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		existing, err := findScope(ctx, tx, name)
		if err != nil {
			return err
		}
		var users []string
		total := 0
		if existing != nil {
			if users, total, err = scopeUsers(ctx, tx, name); err != nil {
				return err
			}
		}
		if err := keys.RemoveScope(name, existing, users, total); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM scopes WHERE name = ?`, name)
		return err
	})
}

// scopeUsers returns the first aliases of the non-revoked keys naming a
// scope, and how many there are.
func scopeUsers(ctx context.Context, tx *sql.Tx, name string) (aliases []string, total int, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT k.alias, count(*) OVER () FROM keys k
		WHERE k.revoked_at IS NULL AND EXISTS (SELECT 1 FROM json_each(k.scopes) WHERE value = ?)
		ORDER BY k.alias LIMIT 10`, name)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a, &total); err != nil {
			return nil, 0, err
		}
		aliases = append(aliases, a)
	}
	return aliases, total, rows.Err()
}
