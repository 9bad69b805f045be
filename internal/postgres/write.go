package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

// CreateKey stores a new key, or with OrRenew renews the existing one.
func (s *Store) CreateKey(ctx context.Context, req keys.CreateRequest) (res keys.CreateResult, err error) {
	if err := req.Validate(s.Policy); err != nil {
		return res, err
	}
	if err := req.Credential.Validate(keys.KindKey); err != nil {
		return res, err
	}
	h := &handOut[keys.CreateResult]{deliver: req.Deliver}
	err = writeHandingOut(s, ctx, h, s.hashStored(req.Credential.Hash), func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		// By alias only: an alias that spells another key's id is not
		// that key, and or-renew must never renew the wrong one.
		existing, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM keys WHERE alias = $1`, req.Alias), now)
		if errors.Is(err, pgx.ErrNoRows) {
			existing, err = nil, nil
		}
		if err != nil {
			return err
		}
		reg, err := registryFor(ctx, tx, req.Fields, req.Reactivate)
		if err != nil {
			return err
		}
		if existing == nil {
			var other string
			err := tx.QueryRow(ctx, `SELECT alias FROM keys WHERE id = $1`, req.Alias).Scan(&other)
			if err == nil {
				return keys.ErrAliasIsID(req.Alias, other)
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		k, renewed, err := s.Policy.Create(now, req, existing, reg)
		if err != nil {
			return err
		}
		if renewed {
			// A retry that renews what an earlier attempt created and
			// printed would leave the printed key unsaved.
			if h.handed() {
				return errRetryDiffers
			}
			res = keys.CreateResult{Key: k, Renewed: true}
			if err := updateKey(ctx, tx, k); err != nil {
				return err
			}
			return s.record(ctx, tx, now, []keys.Event{keys.KeyEvent(keys.RenewAction(existing), k, keys.RenewDetails(existing, k))})
		}
		res = keys.CreateResult{Key: k, Secret: req.Credential.String}
		if err := insertKey(ctx, tx, k, req.Credential.Hash); err != nil {
			return err
		}
		if err := s.record(ctx, tx, now, []keys.Event{keys.KeyEvent(keys.ActionCreate, k, keys.CreateDetails(k))}); err != nil {
			return err
		}
		return h.give(ctx, res)
	})
	return res, err
}

func insertKey(ctx context.Context, q querier, k *keys.Key, hash string) error {
	_, err := q.Exec(ctx, `INSERT INTO keys (id, alias, hash, name, description, owner, roles, scopes, masked, imported,
		ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at, meta)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		k.ID, k.Alias, hash, k.Name, k.Description, k.Owner, list(k.Roles), list(k.Scopes), k.Masked, k.Imported,
		seconds(k.TTL), seconds(k.TokenTTL), k.CreatedAt.Unix(), k.UpdatedAt.Unix(), k.ExpiresAt.Unix(), keys.EncodeMeta(k.Meta))
	if sqlState(err) == codeUniqueViolation {
		return keys.ErrAliasExists(k).Wrap(err)
	}
	return err
}

// updateKey writes every field a rule may change.
func updateKey(ctx context.Context, q querier, k *keys.Key) error {
	_, err := q.Exec(ctx, `UPDATE keys SET name = $1, description = $2, owner = $3, roles = $4, scopes = $5,
		ttl_seconds = $6, token_ttl_seconds = $7, expires_at = $8, updated_at = $9, revoked_at = $10, revoke_reason = $11,
		meta = $12, previous_valid_until = $13
		WHERE id = $14`,
		k.Name, k.Description, k.Owner, list(k.Roles), list(k.Scopes),
		seconds(k.TTL), seconds(k.TokenTTL), k.ExpiresAt.Unix(), k.UpdatedAt.Unix(), unixOrNil(k.RevokedAt), nullString(k.RevokeReason),
		keys.EncodeMeta(k.Meta), unixOrNil(k.PreviousValidUntil), k.ID)
	return err
}

// registryFor loads the scope registry when the rule needs it: to check
// a change of grants, or a reactivation under today's rules.
func registryFor(ctx context.Context, q querier, c keys.Change, reactivate bool) (keys.Registry, error) {
	if !c.GrantChanged() && !reactivate {
		return nil, nil
	}
	return loadRegistry(ctx, q)
}

// RenewKeys renews the named keys, all or none.
func (s *Store) RenewKeys(ctx context.Context, req keys.RenewRequest) (out []*keys.Key, err error) {
	if err := req.Validate(s.Policy); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		out = out[:0]
		reg, err := registryFor(ctx, tx, req.Change, req.Reactivate)
		if err != nil {
			return err
		}
		var events []keys.Event
		batch := batchOf(len(req.Refs))
		err = eachKey(ctx, tx, req.Refs, now, func(old *keys.Key) error {
			k, err := s.Policy.Renew(now, old, req.TTL, req.Change, req.Reactivate, reg)
			if err != nil {
				return err
			}
			out = append(out, k)
			events = append(events, keys.KeyEvent(keys.RenewAction(old), k, keys.RenewDetails(old, k).WithBatch(batch)))
			return updateKey(ctx, tx, k)
		})
		if err != nil {
			return err
		}
		return s.record(ctx, tx, now, events)
	})
	return out, err
}

// RenewAll renews every non-revoked key matching the filters in one
// transaction; with DryRun it reports what would change and rolls back.
func (s *Store) RenewAll(ctx context.Context, req keys.RenewAllRequest) (out []*keys.Key, err error) {
	if err := req.Validate(s.Policy); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
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
		batch, err := selectKeys(ctx, tx, `SELECT `+keyColumns+` FROM keys WHERE `+b.sql()+` ORDER BY alias`, b.args, now)
		if err != nil {
			return err
		}
		if out, err = s.Policy.RenewAll(now, batch); err != nil {
			return err
		}
		if req.DryRun || len(out) == 0 {
			return errRollback
		}
		// One statement for the whole batch: the ids and their new
		// expiries as two arrays.
		ids := make([]string, len(out))
		expires := make([]int64, len(out))
		for i, k := range out {
			ids[i], expires[i] = k.ID, k.ExpiresAt.Unix()
		}
		_, err = tx.Exec(ctx, `UPDATE keys SET expires_at = u.expires_at, updated_at = $3
			FROM unnest($1::text[], $2::bigint[]) AS u(id, expires_at) WHERE keys.id = u.id`, ids, expires, now.Unix())
		if err != nil {
			return err
		}
		if s.unaudited {
			return nil
		}
		events := make([]keys.Event, len(out))
		batchID := keys.NewBatchID()
		for i, k := range out {
			events[i] = keys.RenewAllEvent(batch[i], k, batchID)
		}
		return s.record(ctx, tx, now, events)
	})
	return out, err
}

// selectKeys runs a query of keyColumns and reads every row.
func selectKeys(ctx context.Context, q querier, query string, args []any, now time.Time) ([]*keys.Key, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*keys.Key
	for rows.Next() {
		k, err := scanKey(rows, now)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// UpdateKey changes what a key is without touching its expiry.
func (s *Store) UpdateKey(ctx context.Context, ref string, c keys.Change) (k *keys.Key, err error) {
	if err := keys.ValidateRef(ref); err != nil {
		return nil, err
	}
	if err := c.Validate(s.Policy); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		old, err := findKey(ctx, tx, ref, now)
		if err != nil {
			return err
		}
		reg, err := registryFor(ctx, tx, c, false)
		if err != nil {
			return err
		}
		if k, err = s.Policy.Update(now, old, c, reg); err != nil {
			return err
		}
		if err := updateKey(ctx, tx, k); err != nil {
			return err
		}
		return s.record(ctx, tx, now, []keys.Event{keys.KeyEvent(keys.ActionUpdate, k, keys.ChangeDetails(old, k))})
	})
	return k, err
}

// MintToken stores the token keys.Policy.MintToken decides for the key.
func (s *Store) MintToken(ctx context.Context, req keys.TokenRequest) (res keys.TokenResult, err error) {
	if err := req.Validate(); err != nil {
		return res, err
	}
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		k, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM keys WHERE id = $1`, req.KeyID), now)
		if errors.Is(err, pgx.ErrNoRows) {
			return keys.ErrKeyNotFound(req.KeyID)
		}
		if err != nil {
			return err
		}
		var reg keys.Registry
		if len(req.Scopes) > 0 {
			if reg, err = loadRegistry(ctx, tx); err != nil {
				return err
			}
		}
		if res, err = s.Policy.MintToken(now, k, reg, req); err != nil {
			return err
		}
		t := res.Token
		_, err = tx.Exec(ctx, `INSERT INTO tokens (id, key_id, hash, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, t.KeyID, req.Token.Hash, list(t.Scopes), t.CreatedAt.Unix(), t.ExpiresAt.Unix())
		if sqlState(err) == codeUniqueViolation {
			return keys.Errorf(keys.ECONFLICT, "token_exists", "a token with id %s already exists", t.ID).Wrap(err)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, now, []keys.Event{keys.KeyEvent(keys.ActionToken, k, keys.TokenDetails(t))})
	})
	return res, err
}
