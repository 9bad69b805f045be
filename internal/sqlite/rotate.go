package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// RotateKey gives a key a new string; the string it replaces moves to
// previous_hash and verifies until previous_valid_until. A string older
// than that, if any, is forgotten: at most two live strings per key.
func (s *Store) RotateKey(ctx context.Context, req keys.RotateRequest) (res keys.RotateResult, err error) {
	return s.RotateDeliver(ctx, req, nil)
}

// RotateDeliver is RotateKey that hands the result to deliver inside the
// transaction, just before the commit: when deliver fails (stdout on a
// full disk) the key keeps its string, so no string is in force that
// nobody holds.
func (s *Store) RotateDeliver(ctx context.Context, req keys.RotateRequest, deliver func(keys.RotateResult) error) (res keys.RotateResult, err error) {
	if err := req.Validate(); err != nil {
		return res, err
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		old, err := findKey(ctx, tx, req.Ref, now)
		if err != nil {
			return err
		}
		if res, err = keys.Rotate(now, old, req, keys.NewKeyString(req.Prefix, old.ID)); err != nil {
			return err
		}
		k := res.Key
		_, err = tx.ExecContext(ctx, `UPDATE keys SET previous_hash = hash, hash = $1, previous_valid_until = $2,
			masked = $3, imported = $4, updated_at = $5 WHERE id = $6`,
			res.Credential.Hash, k.PreviousValidUntil.Unix(), k.Masked, k.Imported, k.UpdatedAt.Unix(), k.ID)
		if isConstraint(err) {
			return keys.Errorf(keys.ECONFLICT, "key_exists", "the new key string is already in the database").Wrap(err)
		}
		if err != nil {
			return err
		}
		d := keys.RotateDetails(res.Rotation, old.Masked, k.Masked, old.Imported)
		if err := s.record(ctx, tx, now, []keys.Event{keys.KeyEvent(keys.ActionRotate, k, d)}); err != nil {
			return err
		}
		if deliver != nil {
			return deliver(res)
		}
		return nil
	})
	return res, err
}
