package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// RevokeKeys revokes the named keys and their tokens, all or none.
func (s *Store) RevokeKeys(ctx context.Context, refs []string, reason string) (out []keys.RevokeResult, err error) {
	if err := keys.ValidateRefs(refs); err != nil {
		return nil, err
	}
	if err := keys.ValidateReason(reason); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		out = out[:0]
		return eachKey(ctx, tx, refs, now, func(k *keys.Key) error {
			r, err := revokeKey(ctx, tx, now, k, reason)
			out = append(out, r)
			return err
		})
	})
	return out, err
}

func revokeKey(ctx context.Context, tx *sql.Tx, now time.Time, k *keys.Key, reason string) (keys.RevokeResult, error) {
	r := keys.Revoke(now, k, reason)
	if r.AlreadyRevoked {
		return r, nil
	}
	if err := updateKey(ctx, tx, r.Key); err != nil {
		return r, err
	}
	_, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL`, now.Unix(), k.ID)
	return r, err
}

// RevokeCredential revokes the key whose string is given.
func (s *Store) RevokeCredential(ctx context.Context, credential, reason string) (res keys.RevokeResult, err error) {
	if err := keys.ValidateReason(reason); err != nil {
		return res, err
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		var sub *keys.Subject
		if _, shape := keys.Parse(credential); shape != keys.Malformed {
			if sub, err = findCredential(ctx, tx, keys.Hash(credential), now); err != nil {
				return err
			}
		}
		k, err := keys.RevocationTarget(credential, sub)
		if err != nil {
			return err
		}
		res, err = revokeKey(ctx, tx, now, k, reason)
		return err
	})
	return res, err
}
