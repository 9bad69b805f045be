package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

const keyColumns = `id, alias, name, description, owner, roles, scopes, masked, imported,
	ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at, last_used_at, revoked_at, revoke_reason,
	meta, previous_valid_until`

type scanner interface{ Scan(dest ...any) error }

// scanKey reads one row of keyColumns and derives its status at now.
func scanKey(sc scanner, now time.Time) (*keys.Key, error) {
	var (
		k                         keys.Key
		roles, scopes             string
		ttl, tokenTTL             int64
		created, updated, expires int64
		lastUsed, revoked         sql.NullInt64
		reason                    sql.NullString
		meta                      string
		previous                  sql.NullInt64
	)
	err := sc.Scan(&k.ID, &k.Alias, &k.Name, &k.Description, &k.Owner, &roles, &scopes, &k.Masked, &k.Imported,
		&ttl, &tokenTTL, &created, &updated, &expires, &lastUsed, &revoked, &reason, &meta, &previous)
	if err != nil {
		return nil, err
	}
	if k.Meta, err = keys.DecodeMeta(meta); err != nil {
		return nil, err
	}
	k.PreviousValidUntil = nullUnix(previous)
	k.Roles = decodeList(roles)
	k.Scopes = decodeList(scopes)
	k.TTL = time.Duration(ttl) * time.Second
	k.TokenTTL = time.Duration(tokenTTL) * time.Second
	k.CreatedAt = unix(created)
	k.UpdatedAt = unix(updated)
	k.ExpiresAt = unix(expires)
	k.LastUsedAt = nullUnix(lastUsed)
	k.RevokedAt = nullUnix(revoked)
	k.RevokeReason = reason.String
	k.Status = keys.StatusAt(k.RevokedAt, k.ExpiresAt, now)
	return &k, nil
}

// findKey looks a key up by alias or id; a ref that is one key's alias
// and another's id is refused as ambiguous (keys.ResolveRef).
func findKey(ctx context.Context, q querier, ref string, now time.Time) (*keys.Key, error) {
	if err := keys.ValidateRef(ref); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE alias = ?1 OR id = ?1 LIMIT 2`, ref)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var byAlias, byID *keys.Key
	for rows.Next() {
		k, err := scanKey(rows, now)
		if err != nil {
			return nil, err
		}
		if k.Alias == ref {
			byAlias = k
		} else {
			byID = k
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return keys.ResolveRef(ref, byAlias, byID)
}

// keyByID looks a key up by its id only.
func keyByID(ctx context.Context, q querier, id string, now time.Time) (*keys.Key, error) {
	k, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE id = ?`, id), now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keys.ErrKeyNotFound(id)
	}
	return k, err
}

// CreateKey stores a new key, or with OrRenew renews the existing one.
func (s *Store) CreateKey(ctx context.Context, req keys.CreateRequest) (res keys.CreateResult, err error) {
	if err := req.Validate(s.Policy); err != nil {
		return res, err
	}
	if err := req.Credential.Validate(keys.KindKey); err != nil {
		return res, err
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		// By alias only: an alias that spells another key's id is not
		// that key, and or-renew must never renew the wrong one.
		existing, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE alias = ?`, req.Alias), now)
		if errors.Is(err, sql.ErrNoRows) {
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
			err := tx.QueryRowContext(ctx, `SELECT alias FROM keys WHERE id = ?`, req.Alias).Scan(&other)
			if err == nil {
				return keys.ErrAliasIsID(req.Alias, other)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		k, renewed, err := s.Policy.Create(now, req, existing, reg)
		if err != nil {
			return err
		}
		if renewed {
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
		if req.Deliver != nil {
			return req.Deliver(res)
		}
		return nil
	})
	return res, err
}

func insertKey(ctx context.Context, q querier, k *keys.Key, hash string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO keys (id, alias, hash, name, description, owner, roles, scopes, masked, imported,
		ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at, meta)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Alias, hash, k.Name, k.Description, k.Owner, encodeList(k.Roles), encodeList(k.Scopes), k.Masked, k.Imported,
		seconds(k.TTL), seconds(k.TokenTTL), k.CreatedAt.Unix(), k.UpdatedAt.Unix(), k.ExpiresAt.Unix(), keys.EncodeMeta(k.Meta))
	if isConstraint(err) {
		return keys.ErrAliasExists(k).Wrap(err)
	}
	return err
}

// updateKey writes every field a rule may change.
func updateKey(ctx context.Context, q querier, k *keys.Key) error {
	_, err := q.ExecContext(ctx, `UPDATE keys SET name = ?, description = ?, owner = ?, roles = ?, scopes = ?,
		ttl_seconds = ?, token_ttl_seconds = ?, expires_at = ?, updated_at = ?, revoked_at = ?, revoke_reason = ?,
		meta = ?, previous_valid_until = ?
		WHERE id = ?`,
		k.Name, k.Description, k.Owner, encodeList(k.Roles), encodeList(k.Scopes),
		seconds(k.TTL), seconds(k.TokenTTL), k.ExpiresAt.Unix(), k.UpdatedAt.Unix(), unixOrNil(k.RevokedAt), nullString(k.RevokeReason),
		keys.EncodeMeta(k.Meta), unixOrNil(k.PreviousValidUntil), k.ID)
	return err
}

// registryFor loads the registry when a change gives roles or scopes, or
// a revoked key may be reactivated: the only times a rule reads it.
func registryFor(ctx context.Context, q querier, c keys.Change, reactivate bool) (keys.Registry, error) {
	if !c.GrantChanged() && !reactivate {
		return nil, nil
	}
	return loadRegistry(ctx, q)
}

// UpdateKey changes what a key is without touching its expiry.
func (s *Store) UpdateKey(ctx context.Context, ref string, c keys.Change) (k *keys.Key, err error) {
	if err := keys.ValidateRef(ref); err != nil {
		return nil, err
	}
	if err := c.Validate(s.Policy); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
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

// FindKey returns one key by alias or id.
func (s *Store) FindKey(ctx context.Context, ref string) (*keys.Key, error) {
	k, err := findKey(ctx, s.db, ref, s.now())
	return k, s.translate("read", err)
}

// ActiveTokens counts the tokens of a key that would verify now.
func (s *Store) ActiveTokens(ctx context.Context, keyID string) (int, error) {
	if err := keys.ValidateKeyID(keyID); err != nil {
		return 0, err
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM tokens t JOIN keys k ON k.id = t.key_id
		WHERE t.key_id = ?1 AND t.revoked_at IS NULL AND k.revoked_at IS NULL AND t.expires_at > ?2 AND k.expires_at > ?2`,
		keyID, s.now().Unix()).Scan(&n)
	return n, s.translate("read", err)
}

var errRollback = errors.New("rollback")
