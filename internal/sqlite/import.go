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

// importCacheKiB is the page cache of a large import.
const importCacheKiB = 64 << 10

// Import writes validated items in one transaction: all of them, or none
// when a line names an unknown scope or conflicts with an existing alias
// or key string.
func (s *Store) Import(ctx context.Context, items []keys.ImportItem) (out []keys.ImportResult, err error) {
	// A transaction larger than SQLite's page cache (2 MiB) spills dirty
	// pages to the WAL again and again as random ids and hashes land all
	// over the indexes: a bigger cache for a big import keeps them in
	// memory until the commit. It is left as it is afterwards: shrinking
	// it back frees every page one by one, which costs more than the
	// memory is worth to a command that is about to exit.
	if len(items) > 1000 {
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -importCacheKiB)); err != nil {
			return nil, s.translate("set up", err)
		}
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		if err := importScopes(ctx, tx, items, now); err != nil {
			return err
		}
		reg, err := loadRegistry(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.importGrants(reg, items); err != nil {
			return err
		}
		// INSERT OR IGNORE inserts nothing for a row that would break a
		// unique index (alias, hash or id): the rows affected tell which
		// lines conflict, with one statement per line instead of a
		// look-up and an insert.
		ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO keys (id, alias, hash, name, description, owner, roles, scopes, masked, imported,
			ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at, last_used_at, revoked_at, revoke_reason)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		out = make([]keys.ImportResult, 0, len(items))
		var conflicts []keys.ImportItem
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return err
			}
			if it.Scope != nil {
				continue
			}
			k := it.Key(s.Policy, now)
			res, err := ins.ExecContext(ctx, k.ID, k.Alias, it.Request.Credential.Hash, k.Name, k.Description, k.Owner,
				encodeList(k.Roles), encodeList(k.Scopes), k.Masked, k.Imported,
				seconds(k.TTL), seconds(k.TokenTTL), k.CreatedAt.Unix(), k.UpdatedAt.Unix(), k.ExpiresAt.Unix(),
				unixOrNil(k.LastUsedAt), unixOrNil(k.RevokedAt), nullString(k.RevokeReason))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				conflicts = append(conflicts, it)
				continue
			}
			r := keys.ImportResult{Alias: k.Alias, ID: k.ID}
			if !it.Imported {
				r.Secret = it.Request.Credential.String
			}
			out = append(out, r)
		}
		if len(conflicts) > 0 {
			out = nil
			return s.importConflicts(ctx, tx, conflicts)
		}
		return nil
	})
	return out, err
}

// importGrants checks every line's scopes against the registry before
// anything is written, naming the bad lines.
func (s *Store) importGrants(reg keys.Registry, items []keys.ImportItem) error {
	var bad []string
	count := 0
	for _, it := range items {
		if it.Scope != nil || !it.Request.Fields.GrantChanged() {
			continue
		}
		k := it.Request.NewKey(s.Policy, time.Time{})
		if err := s.Policy.CheckGrant(reg, k.Roles, k.Scopes); err != nil {
			count++
			if len(bad) < maxReported {
				bad = append(bad, fmt.Sprintf("line %d: %s", it.Line, err.(*keys.Error).Message))
			}
		}
	}
	if count == 0 {
		return nil
	}
	return keys.Errorf(keys.EINVALID, "invalid_import", "%d invalid line(s), nothing was imported: %s", count, strings.Join(bad, "; ")).
		WithHint("register the scopes first with keyward scopes add, or fix those lines")
}

// importConflicts names the lines whose alias or key string (or kept
// id) is already in the database; the transaction is then rolled back.
// Rows inserted earlier in the same transaction count too: the reader
// has already refused duplicates inside the file.
func (s *Store) importConflicts(ctx context.Context, tx *sql.Tx, items []keys.ImportItem) error {
	var bad []string
	for _, it := range items {
		if len(bad) == maxReported {
			break
		}
		var alias, hash bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM keys WHERE alias = ?), EXISTS (SELECT 1 FROM keys WHERE hash = ?)`,
			it.Request.Alias, it.Request.Credential.Hash).Scan(&alias, &hash); err != nil {
			return err
		}
		switch {
		case alias:
			bad = append(bad, fmt.Sprintf("line %d: alias %q already exists", it.Line, it.Request.Alias))
		case hash:
			bad = append(bad, fmt.Sprintf("line %d: the key is already in the database", it.Line))
		default:
			bad = append(bad, fmt.Sprintf("line %d: a key with id %s already exists", it.Line, it.Request.Credential.ID))
		}
	}
	msg := strings.Join(bad, "; ")
	if len(items) > len(bad) {
		msg += fmt.Sprintf("; and %d more", len(items)-len(bad))
	}
	return keys.Errorf(keys.ECONFLICT, "import_conflict", "%d line(s) conflict with the database, nothing was imported: %s", len(items), msg).
		WithHint("remove or rename those lines, or renew the existing keys instead")
}
