package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

// credentialClashes refuses the transaction when, with items written, a
// string would belong to two credentials: a key's previous string that
// is also a key's current string or a token. The unique indexes hold
// within a column, not across them; this reads only the keys that have a
// previous string.
func credentialClashes(ctx context.Context, tx pgx.Tx, items []keys.ImportItem) error {
	rows, err := tx.Query(ctx, `SELECT o.alias, o.previous_hash FROM keys o
		WHERE o.previous_hash > '' AND (
			EXISTS (SELECT 1 FROM keys k WHERE k.hash = o.previous_hash)
			OR EXISTS (SELECT 1 FROM tokens t WHERE t.hash = o.previous_hash))
		LIMIT 20`)
	if err != nil {
		return err
	}
	clashes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (keys.CredentialClash, error) {
		var c keys.CredentialClash
		err := r.Scan(&c.Alias, &c.Hash)
		return c, err
	})
	if err != nil {
		return err
	}
	if len(clashes) > 0 {
		return keys.ErrCredentialClashes(items, clashes)
	}
	return nil
}
