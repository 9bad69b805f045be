package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// importCacheKiB is the page cache of a large import.
const importCacheKiB = 64 << 10

// Import writes validated items in one transaction: all of them, or none
// when a line names an unknown scope or conflicts with an existing alias
// or key string.
func (s *Store) Import(ctx context.Context, items []keys.ImportItem) (out []keys.ImportResult, err error) {
	return s.ImportDeliver(ctx, items, nil)
}

// ImportDeliver is Import that hands the results to deliver inside the
// transaction, once every line is checked and before the commit: when
// deliver fails (stdout on a full disk) nothing is imported, so no
// generated key exists whose only copy was lost.
func (s *Store) ImportDeliver(ctx context.Context, items []keys.ImportItem, deliver func([]keys.ImportResult) error) (out []keys.ImportResult, err error) {
	now := s.now()
	for i := range items {
		if err := items[i].Validate(s.Policy, now); err != nil {
			return nil, err
		}
	}
	// A transaction larger than SQLite's page cache (2 MiB) spills dirty
	// pages to the WAL again and again as random ids and hashes land all
	// over the indexes: a bigger cache for a big import keeps them in
	// memory until the commit. It is left as it is afterwards: shrinking
	// it back frees every page one by one, which costs more than the
	// memory is worth to a command that is about to exit.
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		// On the transaction's own connection: the pool has several.
		if len(items) > 1000 {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -importCacheKiB)); err != nil {
				return err
			}
		}
		scopeEvents, err := importScopes(ctx, tx, items, now)
		if err != nil {
			return err
		}
		reg, err := loadRegistry(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.Policy.CheckImportGrants(reg, items); err != nil {
			return err
		}
		// INSERT OR IGNORE inserts nothing for a row that would break a
		// unique index (alias, hash or id): the rows affected tell which
		// lines conflict, with one statement per line instead of a
		// look-up and an insert.
		ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO keys (id, alias, hash, name, description, owner, roles, scopes, masked, imported,
			ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at, last_used_at, revoked_at, revoke_reason, meta,
			previous_hash, previous_valid_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		out = make([]keys.ImportResult, 0, len(items))
		events := append(make([]keys.Event, 0, len(items)+len(scopeEvents)), scopeEvents...)
		batch := keys.NewBatchID()
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
				unixOrNil(k.LastUsedAt), unixOrNil(k.RevokedAt), nullString(k.RevokeReason), keys.EncodeMeta(k.Meta),
				nullString(it.PreviousHash()), unixOrNil(k.PreviousValidUntil))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				conflicts = append(conflicts, it)
				continue
			}
			if !s.unaudited {
				events = append(events, keys.ImportEvent(k, it.Imported, it.ExpiresAt != nil, batch))
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
		if err := aliasesAreIDs(ctx, tx); err != nil {
			return err
		}
		if err := credentialClashes(ctx, tx, items); err != nil {
			return err
		}
		if err := s.record(ctx, tx, now, events); err != nil {
			return err
		}
		if deliver != nil {
			return deliver(out)
		}
		return nil
	})
	return out, err
}

// aliasesAreIDs refuses the transaction when an alias spells another
// key's id: a reference to it would name two keys.
func aliasesAreIDs(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT k.alias, o.alias FROM keys k JOIN keys o ON o.id = k.alias WHERE o.id <> k.id LIMIT 10`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var pairs [][2]string
	for rows.Next() {
		var p [2]string
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return err
		}
		pairs = append(pairs, p)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(pairs) > 0 {
		return keys.ErrImportAliasesAreIDs(pairs)
	}
	return nil
}

// importConflicts names the lines whose alias or key string (or kept
// id) is already in the database; the transaction is then rolled back.
// Rows inserted earlier in the same transaction count too: the reader
// has already refused duplicates inside the file.
func (s *Store) importConflicts(ctx context.Context, tx *sql.Tx, items []keys.ImportItem) error {
	cs := make([]keys.ImportConflict, 0, min(len(items), keys.MaxReportedConflicts))
	for _, it := range items[:min(len(items), keys.MaxReportedConflicts)] {
		c := keys.ImportConflict{Item: it}
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM keys WHERE alias = ?), EXISTS (SELECT 1 FROM keys WHERE hash = ?),
			EXISTS (SELECT 1 FROM keys WHERE previous_hash = ?)`,
			it.Request.Alias, it.Request.Credential.Hash, it.PreviousHash()).Scan(&c.AliasTaken, &c.KeyTaken, &c.PreviousTaken); err != nil {
			return err
		}
		cs = append(cs, c)
	}
	return keys.ErrImportConflicts(len(items), cs)
}
