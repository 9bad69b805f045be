package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

// loadRegistry reads the whole scope registry.
func loadRegistry(ctx context.Context, q querier) (keys.Registry, error) {
	rows, err := q.Query(ctx, `SELECT name, description, admin_only, created_at FROM scopes`)
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

// Registry returns the scope registry.
func (s *Store) Registry(ctx context.Context) (keys.Registry, error) {
	reg, err := loadRegistry(ctx, s.pool)
	return reg, s.translate("read", err)
}

// Scopes lists the registry with how many non-revoked keys name each scope.
func (s *Store) Scopes(ctx context.Context) ([]keys.Scope, error) {
	rows, err := s.pool.Query(ctx, `SELECT s.name, s.description, s.admin_only, s.created_at, coalesce(u.n, 0)
		FROM scopes s LEFT JOIN (
			SELECT u.name, count(*) AS n FROM keys k, unnest(k.scopes) AS u(name)
			WHERE k.revoked_at IS NULL GROUP BY u.name
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
	return s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		existing, err := findScope(ctx, tx, sc.Name)
		if err != nil {
			return err
		}
		if sc, err = keys.AddScope(now, sc, existing); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO scopes (name, description, admin_only, created_at) VALUES ($1, $2, $3, $4)`,
			sc.Name, sc.Description, sc.AdminOnly, sc.CreatedAt.Unix())
		if sqlState(err) == codeUniqueViolation {
			_, err = keys.AddScope(now, sc, &sc)
		}
		return err
	})
}

// findScope returns the registered scope name, or nil.
func findScope(ctx context.Context, q querier, name string) (*keys.Scope, error) {
	var sc keys.Scope
	var created int64
	err := q.QueryRow(ctx, `SELECT name, description, admin_only, created_at FROM scopes WHERE name = $1`, name).
		Scan(&sc.Name, &sc.Description, &sc.AdminOnly, &created)
	if errors.Is(err, pgx.ErrNoRows) {
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
	return s.write(ctx, func(tx pgx.Tx, now time.Time) error {
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
		_, err = tx.Exec(ctx, `DELETE FROM scopes WHERE name = $1`, name)
		return err
	})
}

// scopeUsers returns the first aliases of the non-revoked keys naming a
// scope, and how many there are.
func scopeUsers(ctx context.Context, tx pgx.Tx, name string) (aliases []string, total int, err error) {
	rows, err := tx.Query(ctx, `SELECT k.alias, count(*) OVER () FROM keys k
		WHERE k.revoked_at IS NULL AND $1 = ANY (k.scopes)
		ORDER BY k.alias LIMIT 10`, name)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		var n int64
		if err := rows.Scan(&a, &n); err != nil {
			return nil, 0, err
		}
		aliases, total = append(aliases, a), int(n)
	}
	return aliases, total, rows.Err()
}
