package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// MintToken stores the token keys.Policy.MintToken decides for the key.
func (s *Store) MintToken(ctx context.Context, req keys.TokenRequest) (res keys.TokenResult, err error) {
	if err := req.Validate(); err != nil {
		return res, err
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		k, err := keyByID(ctx, tx, req.KeyID, now)
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
		_, err = tx.ExecContext(ctx, `INSERT INTO tokens (id, key_id, hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.KeyID, req.Token.Hash, encodeList(t.Scopes), t.CreatedAt.Unix(), t.ExpiresAt.Unix())
		if isConstraint(err) {
			return keys.Errorf(keys.ECONFLICT, "token_exists", "a token with id %s already exists", t.ID).Wrap(err)
		}
		return err
	})
	return res, err
}
