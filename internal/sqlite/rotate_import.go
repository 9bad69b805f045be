package sqlite

import (
	"context"
	"database/sql"

	"github.com/keyward/keyward/internal/keys"
)

// clashQuery finds a key's previous string that is also a key's current
// string or a token: the unique indexes hold within a column, not
// across them. It reads only the keys that have a previous string:
// comparing with the empty string (rather than IS NOT NULL) lets SQLite
// range over the index.
const clashQuery = `SELECT o.alias, o.previous_hash FROM keys o
	WHERE o.previous_hash > '' AND (
		EXISTS (SELECT 1 FROM keys k WHERE k.hash = o.previous_hash)
		OR EXISTS (SELECT 1 FROM tokens t WHERE t.hash = o.previous_hash))
	LIMIT ` + maxClashes

const maxClashes = "20"

// credentialClashes refuses the transaction when, with items written, a
// string would belong to two credentials.
func credentialClashes(ctx context.Context, tx *sql.Tx, items []keys.ImportItem) error {
	rows, err := tx.QueryContext(ctx, clashQuery)
	if err != nil {
		return err
	}
	defer rows.Close()
	var clashes []keys.CredentialClash
	for rows.Next() {
		var c keys.CredentialClash
		if err := rows.Scan(&c.Alias, &c.Hash); err != nil {
			return err
		}
		clashes = append(clashes, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(clashes) > 0 {
		return keys.ErrCredentialClashes(items, clashes)
	}
	return nil
}
