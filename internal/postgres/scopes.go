package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
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
	reg, err := loadRegistry(ctx, s.conn)
	return reg, s.translate("read", err)
}

// Scopes lists the registry with how many non-revoked keys name each scope.
func (s *Store) Scopes(ctx context.Context) ([]keys.Scope, error) {
	rows, err := s.conn.Query(ctx, `SELECT s.name, s.description, s.admin_only, s.created_at, coalesce(u.n, 0)
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
	return s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		tag, err := tx.Exec(ctx, `INSERT INTO scopes (name, description, admin_only, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO NOTHING`, sc.Name, sc.Description, sc.AdminOnly, now.Unix())
		if err == nil && tag.RowsAffected() == 0 {
			return keys.Errorf(keys.ECONFLICT, "scope_exists", "scope %q is already registered", sc.Name).
				WithHint("see it with: keyward scopes list")
		}
		return err
	})
}

// RemoveScope unregisters a scope that no non-revoked key names.
func (s *Store) RemoveScope(ctx context.Context, name string) error {
	return s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		var exists int
		err := tx.QueryRow(ctx, `SELECT 1 FROM scopes WHERE name = $1`, name).Scan(&exists)
		if errors.Is(err, pgx.ErrNoRows) {
			return keys.Errorf(keys.ENOTFOUND, "scope_not_found", "no scope named %q", name).
				WithHint("see the registry with: keyward scopes list")
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT k.alias, count(*) OVER () FROM keys k
			WHERE k.revoked_at IS NULL AND $1 = ANY (k.scopes)
			ORDER BY k.alias LIMIT 10`, name)
		if err != nil {
			return err
		}
		defer rows.Close()
		var aliases []string
		var total int64
		for rows.Next() {
			var a string
			if err := rows.Scan(&a, &total); err != nil {
				return err
			}
			aliases = append(aliases, a)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if total > 0 {
			list := strings.Join(aliases, ", ")
			if int(total) > len(aliases) {
				list += ", …"
			}
			return keys.Errorf(keys.ECONFLICT, "scope_in_use", "scope %q is used by %d key(s): %s", name, total, list).
				WithHint("take it off those keys first (keyward update ALIAS --scope …) or revoke them")
		}
		_, err = tx.Exec(ctx, `DELETE FROM scopes WHERE name = $1`, name)
		return err
	})
}

func sortByAlias(ks []*keys.Key) {
	slices.SortFunc(ks, func(a, b *keys.Key) int { return strings.Compare(a.Alias, b.Alias) })
}
