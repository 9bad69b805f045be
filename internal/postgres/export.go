package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

var snapshot = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// Export reads the scope registry, then every key with its stored hash in
// the order the keys were created, in one read-only transaction: one
// snapshot, whatever other processes commit meanwhile.
func (s *Store) Export(ctx context.Context, scope func(keys.Scope) error, key func(k *keys.Key, hash, previousHash string) error) error {
	now := s.now()
	tx, err := s.pool.BeginTx(ctx, snapshot)
	if err != nil {
		return s.translate("read", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	scopes, err := tx.Query(ctx, `SELECT name, description, admin_only, created_at FROM scopes ORDER BY name`)
	if err != nil {
		return s.translate("read", err)
	}
	var reg []keys.Scope
	for scopes.Next() {
		var sc keys.Scope
		var created int64
		if err := scopes.Scan(&sc.Name, &sc.Description, &sc.AdminOnly, &created); err != nil {
			return s.translate("read", err)
		}
		sc.CreatedAt = unix(created)
		reg = append(reg, sc)
	}
	if err := scopes.Err(); err != nil {
		return s.translate("read", err)
	}
	for _, sc := range reg {
		if err := scope(sc); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, `SELECT hash, coalesce(previous_hash, ''), `+keyColumns+` FROM keys ORDER BY created_at, seq`)
	if err != nil {
		return s.translate("read", err)
	}
	defer rows.Close()
	var (
		r              keyRow
		hash, previous string
	)
	targets := append([]any{&hash, &previous}, r.targets()...)
	for rows.Next() {
		r = keyRow{}
		if err := rows.Scan(targets...); err != nil {
			return s.translate("read", err)
		}
		if err := key(r.key(now), hash, previous); err != nil {
			return err
		}
	}
	return s.translate("read", rows.Err())
}
