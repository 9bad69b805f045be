package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// maxReported bounds how many bad lines one error names.
const maxReported = 20

// Import writes validated items in one transaction, after checking that
// none conflicts with an existing alias or key string.
func (s *Store) Import(ctx context.Context, items []keys.ImportItem) (out []keys.ImportResult, err error) {
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		out = make([]keys.ImportResult, 0, len(items))
		if err := s.importConflicts(ctx, tx, items); err != nil {
			return err
		}
		reg, err := loadRegistry(ctx, tx)
		if err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO keys (id, alias, hash, name, description, owner, roles, scopes, masked, imported,
			ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, it := range items {
			k := it.Request.NewKey(s.Policy, now)
			k.Imported = it.Imported
			if it.ExpiresAt != nil {
				k.ExpiresAt = *it.ExpiresAt
			}
			if it.Request.Fields.GrantChanged() {
				if err := s.Policy.CheckGrant(reg, k.Roles, k.Scopes); err != nil {
					e := err.(*keys.Error)
					e.Message = fmt.Sprintf("line %d: %s", it.Line, e.Message)
					return e
				}
			}
			if _, err := ins.ExecContext(ctx, k.ID, k.Alias, it.Request.Credential.Hash, k.Name, k.Description, k.Owner,
				encodeList(k.Roles), encodeList(k.Scopes), k.Masked, k.Imported,
				seconds(k.TTL), seconds(k.TokenTTL), now.Unix(), now.Unix(), k.ExpiresAt.Unix()); err != nil {
				if isConstraint(err) {
					return keys.Errorf(keys.ECONFLICT, "import_conflict", "line %d: alias or key already exists", it.Line).Wrap(err)
				}
				return err
			}
			r := keys.ImportResult{Alias: k.Alias, ID: k.ID}
			if !it.Imported {
				r.Secret = it.Request.Credential.String
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// importConflicts names the lines whose alias or key string is already
// in the database.
func (s *Store) importConflicts(ctx context.Context, tx *sql.Tx, items []keys.ImportItem) error {
	byAlias, err := tx.PrepareContext(ctx, `SELECT 1 FROM keys WHERE alias = ?`)
	if err != nil {
		return err
	}
	defer byAlias.Close()
	byHash, err := tx.PrepareContext(ctx, `SELECT 1 FROM keys WHERE hash = ?`)
	if err != nil {
		return err
	}
	defer byHash.Close()
	var bad []string
	count := 0
	for _, it := range items {
		var one int
		reason := ""
		if err := byAlias.QueryRowContext(ctx, it.Request.Alias).Scan(&one); err == nil {
			reason = fmt.Sprintf("line %d: alias %q already exists", it.Line, it.Request.Alias)
		} else if err != sql.ErrNoRows {
			return err
		} else if it.Imported {
			if err := byHash.QueryRowContext(ctx, it.Request.Credential.Hash).Scan(&one); err == nil {
				reason = fmt.Sprintf("line %d: the key is already in the database", it.Line)
			} else if err != sql.ErrNoRows {
				return err
			}
		}
		if reason != "" {
			count++
			if len(bad) < maxReported {
				bad = append(bad, reason)
			}
		}
	}
	if count == 0 {
		return nil
	}
	return keys.Errorf(keys.ECONFLICT, "import_conflict", "%d line(s) conflict with the database; nothing was imported: %s", count, strings.Join(bad, "; ")).
		WithHint("remove or rename those lines, or renew the existing keys instead")
}
