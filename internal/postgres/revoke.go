package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
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
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		out = out[:0]
		var events []keys.Event
		batch := batchOf(len(refs))
		err := eachKey(ctx, tx, refs, now, func(k *keys.Key) error {
			r, err := revokeKey(ctx, tx, now, k, reason)
			out = append(out, r)
			if !r.AlreadyRevoked {
				events = append(events, keys.KeyEvent(keys.ActionRevoke, r.Key, keys.RevokeDetails(reason).WithBatch(batch)))
			}
			return err
		})
		if err != nil {
			return err
		}
		return s.record(ctx, tx, now, events)
	})
	return out, err
}

func revokeKey(ctx context.Context, tx pgx.Tx, now time.Time, k *keys.Key, reason string) (keys.RevokeResult, error) {
	r := keys.Revoke(now, k, reason)
	if r.AlreadyRevoked {
		return r, nil
	}
	if err := updateKey(ctx, tx, r.Key); err != nil {
		return r, err
	}
	// Its tokens die with it, and stay dead if the key is reactivated.
	_, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = $1 WHERE key_id = $2 AND revoked_at IS NULL`, now.Unix(), k.ID)
	return r, err
}

// RevokeCredential revokes the key whose string is given.
func (s *Store) RevokeCredential(ctx context.Context, credential, reason string) (res keys.RevokeResult, err error) {
	if err := keys.ValidateReason(reason); err != nil {
		return res, err
	}
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
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
		if res, err = revokeKey(ctx, tx, now, k, reason); err != nil || res.AlreadyRevoked {
			return err
		}
		return s.record(ctx, tx, now, []keys.Event{keys.KeyEvent(keys.ActionRevoke, res.Key, keys.RevokeDetails(reason))})
	})
	return res, err
}
