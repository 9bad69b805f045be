package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

// CreateKey stores a new key, or with OrRenew renews the existing one.
func (s *Store) CreateKey(ctx context.Context, req keys.CreateRequest) (res keys.CreateResult, err error) {
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		// By alias only: an alias that spells another key's id is not
		// that key, and --or-renew must never renew the wrong one.
		existing, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM keys WHERE alias = $1`, req.Alias), now)
		if errors.Is(err, pgx.ErrNoRows) {
			existing, err = nil, nil
		}
		if err != nil {
			return err
		}
		if existing != nil {
			if !req.OrRenew && existing.RevokedAt != nil {
				return keys.Errorf(keys.ECONFLICT, "alias_exists", "a key with alias %q already exists, revoked", req.Alias).
					WithHint("bring it back with: keyward renew %s --reactivate, or choose another alias", req.Alias)
			}
			if !req.OrRenew {
				return keys.Errorf(keys.ECONFLICT, "alias_exists", "a key with alias %q already exists", req.Alias).
					WithHint("renew it with: keyward renew %s (or add --or-renew)", req.Alias)
			}
			k, err := s.renewKey(ctx, tx, now, existing, req.TTL, req.Fields, req.Reactivate)
			res = keys.CreateResult{Key: k, Renewed: true}
			return err
		}
		k := req.NewKey(s.Policy, now)
		if err := s.checkGrant(ctx, tx, k, req.Fields); err != nil {
			return err
		}
		if err := insertKey(ctx, tx, k, req.Credential.Hash); err != nil {
			return err
		}
		res = keys.CreateResult{Key: k, Secret: req.Credential.String}
		return nil
	})
	return res, err
}

// checkGrant checks the scopes a change gives against the registry.
func (s *Store) checkGrant(ctx context.Context, q querier, k *keys.Key, c keys.Change) error {
	if !c.GrantChanged() {
		return nil
	}
	reg, err := loadRegistry(ctx, q)
	if err != nil {
		return err
	}
	return s.Policy.CheckGrant(reg, k.Roles, k.Scopes)
}

// renewKey sets a new expiry from now, with the change applied.
func (s *Store) renewKey(ctx context.Context, tx pgx.Tx, now time.Time, k *keys.Key, ttl time.Duration, c keys.Change, reactivate bool) (*keys.Key, error) {
	if k.RevokedAt != nil && !reactivate {
		return nil, keys.Errorf(keys.ECONFLICT, "key_revoked", "key %q is revoked", k.Alias).
			WithHint("bring it back with: keyward renew %s --reactivate", k.Alias)
	}
	if ttl != 0 {
		k.TTL = ttl
	} else if err := s.checkKeyTTL(k.Alias, k.TTL); err != nil {
		return nil, err
	}
	c.Apply(k)
	if err := s.checkGrant(ctx, tx, k, c); err != nil {
		return nil, err
	}
	k.ExpiresAt = now.Add(k.TTL)
	k.UpdatedAt = now
	k.RevokedAt = nil
	k.RevokeReason = ""
	k.Status = keys.StatusActive
	_, err := tx.Exec(ctx, `UPDATE keys SET name = $1, description = $2, owner = $3, roles = $4, scopes = $5,
		ttl_seconds = $6, token_ttl_seconds = $7, expires_at = $8, updated_at = $9, revoked_at = NULL, revoke_reason = NULL
		WHERE id = $10`,
		k.Name, k.Description, k.Owner, list(k.Roles), list(k.Scopes),
		seconds(k.TTL), seconds(k.TokenTTL), k.ExpiresAt.Unix(), now.Unix(), k.ID)
	return k, err
}

// checkKeyTTL refuses to renew a key for its own TTL when that is above
// max_ttl (lowered since the key was made).
func (s *Store) checkKeyTTL(alias string, ttl time.Duration) *keys.Error {
	max := s.Policy.MaxTTL
	if max <= 0 || ttl <= max {
		return nil
	}
	return keys.Errorf(keys.EINVALID, "ttl_too_long", "key %q has a ttl of %s, above max_ttl %s", alias, keys.FormatDuration(ttl), keys.FormatDuration(max)).
		WithHint("renew it with: keyward renew %s --ttl %s (which becomes its ttl), or raise max_ttl in the config", alias, keys.FormatDuration(max))
}

// checkBatchTTL applies checkKeyTTL to every key a renew --all would
// renew, before any is: the batch is all or none.
func (s *Store) checkBatchTTL(ctx context.Context, tx pgx.Tx, b where) error {
	if s.Policy.MaxTTL <= 0 {
		return nil
	}
	b.add(`ttl_seconds > ?1`, seconds(s.Policy.MaxTTL))
	var (
		n     int
		alias string
		ttl   int64
	)
	err := tx.QueryRow(ctx, `SELECT count(*) OVER (), alias, ttl_seconds FROM keys WHERE `+b.sql()+` ORDER BY alias LIMIT 1`,
		b.args...).Scan(&n, &alias, &ttl)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	e := s.checkKeyTTL(alias, time.Duration(ttl)*time.Second)
	if n > 1 {
		e.Message = fmt.Sprintf("%d keys have a ttl above max_ttl %s, %q among them", n, keys.FormatDuration(s.Policy.MaxTTL), alias)
	}
	e.Message += "; nothing was renewed"
	return e
}

// RenewKeys renews the named keys, all or none.
func (s *Store) RenewKeys(ctx context.Context, req keys.RenewRequest) (out []*keys.Key, err error) {
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		out = out[:0]
		return eachKey(ctx, tx, req.Refs, now, func(k *keys.Key) error {
			k, err := s.renewKey(ctx, tx, now, k, req.TTL, req.Change, req.Reactivate)
			out = append(out, k)
			return err
		})
	})
	return out, err
}

// RenewAll renews every non-revoked key matching the filters in one
// transaction; with DryRun it reports what would change and rolls back.
func (s *Store) RenewAll(ctx context.Context, req keys.RenewAllRequest) (out []*keys.Key, err error) {
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		out = out[:0]
		var b where
		b.add(`revoked_at IS NULL`)
		if req.ExpiringWithin > 0 {
			b.add(`expires_at <= ?1`, now.Add(req.ExpiringWithin).Unix())
		}
		if req.Owner != nil {
			b.add(`owner = ?1`, *req.Owner)
		}
		if req.Role != "" {
			b.add(`?1 = ANY (roles)`, req.Role)
		}
		if err := s.checkBatchTTL(ctx, tx, b); err != nil {
			return err
		}
		n := len(b.args) + 1
		rows, err := tx.Query(ctx, fmt.Sprintf(`UPDATE keys SET expires_at = $%d + ttl_seconds, updated_at = $%d WHERE %s RETURNING %s`,
			n, n, b.sql(), keyColumns), append(b.args, now.Unix())...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k, err := scanKey(rows, now)
			if err != nil {
				return err
			}
			out = append(out, k)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if req.DryRun {
			return errRollback
		}
		return nil
	})
	sortByAlias(out)
	return out, err
}

// UpdateKey changes what a key is without touching its expiry.
func (s *Store) UpdateKey(ctx context.Context, ref string, c keys.Change) (k *keys.Key, err error) {
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		if k, err = findKey(ctx, tx, ref, now); err != nil {
			return err
		}
		c.Apply(k)
		if err := s.checkGrant(ctx, tx, k, c); err != nil {
			return err
		}
		k.UpdatedAt = now
		_, err := tx.Exec(ctx, `UPDATE keys SET name = $1, description = $2, owner = $3, roles = $4, scopes = $5,
			token_ttl_seconds = $6, updated_at = $7 WHERE id = $8`,
			k.Name, k.Description, k.Owner, list(k.Roles), list(k.Scopes), seconds(k.TokenTTL), now.Unix(), k.ID)
		return err
	})
	return k, err
}

// RevokeKeys revokes the named keys and their tokens, all or none.
func (s *Store) RevokeKeys(ctx context.Context, refs []string, reason string) (out []keys.RevokeResult, err error) {
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		out = out[:0]
		return eachKey(ctx, tx, refs, now, func(k *keys.Key) error {
			r, err := revokeKey(ctx, tx, now, k, reason)
			out = append(out, r)
			return err
		})
	})
	return out, err
}

func revokeKey(ctx context.Context, tx pgx.Tx, now time.Time, k *keys.Key, reason string) (keys.RevokeResult, error) {
	if k.RevokedAt != nil {
		return keys.RevokeResult{Key: k, AlreadyRevoked: true}, nil
	}
	k.RevokedAt, k.UpdatedAt, k.RevokeReason, k.Status = &now, now, reason, keys.StatusRevoked
	if _, err := tx.Exec(ctx, `UPDATE keys SET revoked_at = $1, updated_at = $1, revoke_reason = $2 WHERE id = $3`,
		now.Unix(), nullString(reason), k.ID); err != nil {
		return keys.RevokeResult{}, err
	}
	// Its tokens die with it, and stay dead if the key is reactivated.
	_, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL`, now.Unix(), k.ID)
	return keys.RevokeResult{Key: k}, err
}
