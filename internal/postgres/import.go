package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

// maxReported bounds how many bad lines one error names.
const maxReported = 20

var importColumns = []string{"id", "alias", "hash", "name", "description", "owner", "roles", "scopes", "masked", "imported",
	"ttl_seconds", "token_ttl_seconds", "created_at", "updated_at", "expires_at", "last_used_at", "revoked_at", "revoke_reason"}

// errImportConflict: COPY met a row already in the table.
var errImportConflict = errors.New("import conflicts with existing keys")

// Import writes validated items in one transaction with COPY: all of
// them, or none when a line names an unknown scope or conflicts with an
// existing alias, key string or id.
func (s *Store) Import(ctx context.Context, items []keys.ImportItem) (out []keys.ImportResult, err error) {
	for attempt := 0; ; attempt++ {
		err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
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
			out, err = s.copyKeys(ctx, tx, items, now)
			return err
		})
		if !errors.Is(err, errImportConflict) {
			return out, err
		}
		// The transaction is gone: name the lines that conflict from
		// what is committed. None found means the rows that were in the
		// way went away meanwhile; try again.
		if err := s.importConflicts(ctx, items); err != nil || attempt == 3 {
			if err == nil {
				err = s.translate("write", errImportConflict)
			}
			return nil, err
		}
	}
}

// copyKeys streams the items into keys with COPY.
func (s *Store) copyKeys(ctx context.Context, tx pgx.Tx, items []keys.ImportItem, now time.Time) ([]keys.ImportResult, error) {
	out := make([]keys.ImportResult, 0, len(items))
	row := make([]any, len(importColumns))
	keyItems := make([]int, 0, len(items))
	for i := range items {
		if items[i].Scope == nil {
			keyItems = append(keyItems, i)
		}
	}
	src := pgx.CopyFromSlice(len(keyItems), func(i int) ([]any, error) {
		it := &items[keyItems[i]]
		k := it.Key(s.Policy, now)
		row[0], row[1], row[2], row[3], row[4], row[5] = k.ID, k.Alias, it.Request.Credential.Hash, k.Name, k.Description, k.Owner
		row[6], row[7], row[8], row[9] = list(k.Roles), list(k.Scopes), k.Masked, k.Imported
		row[10], row[11], row[12], row[13], row[14] = seconds(k.TTL), seconds(k.TokenTTL), k.CreatedAt.Unix(), k.UpdatedAt.Unix(), k.ExpiresAt.Unix()
		row[15], row[16], row[17] = unixOrNil(k.LastUsedAt), unixOrNil(k.RevokedAt), nullString(k.RevokeReason)
		r := keys.ImportResult{Alias: k.Alias, ID: k.ID}
		if !it.Imported {
			r.Secret = it.Request.Credential.String
		}
		out = append(out, r)
		return row, ctx.Err()
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"keys"}, importColumns, src); err != nil {
		if sqlState(err) == codeUniqueViolation {
			return nil, errImportConflict
		}
		return nil, err
	}
	return out, nil
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

// importConflicts names the lines whose alias, key string or id is
// already in the database, or returns nil when none is.
func (s *Store) importConflicts(ctx context.Context, items []keys.ImportItem) error {
	aliases := make([]string, len(items))
	hashes := make([]string, len(items))
	ids := make([]string, len(items))
	for i, it := range items {
		aliases[i], hashes[i], ids[i] = it.Request.Alias, it.Request.Credential.Hash, it.Request.Credential.ID
	}
	items = slices.DeleteFunc(slices.Clone(items), func(it keys.ImportItem) bool { return it.Scope != nil })
	taken := map[string]bool{}
	rows, err := s.conn.Query(ctx, `SELECT 'a' || alias FROM keys WHERE alias = ANY ($1)
		UNION ALL SELECT 'h' || hash FROM keys WHERE hash = ANY ($2)
		UNION ALL SELECT 'i' || id FROM keys WHERE id = ANY ($3)`, aliases, hashes, ids)
	if err != nil {
		return s.translate("read", err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return s.translate("read", err)
		}
		taken[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.translate("read", err)
	}
	var bad []string
	count := 0
	for _, it := range items {
		var msg string
		switch {
		case taken["a"+it.Request.Alias]:
			msg = fmt.Sprintf("line %d: alias %q already exists", it.Line, it.Request.Alias)
		case taken["h"+it.Request.Credential.Hash]:
			msg = fmt.Sprintf("line %d: the key is already in the database", it.Line)
		case taken["i"+it.Request.Credential.ID]:
			msg = fmt.Sprintf("line %d: a key with id %s already exists", it.Line, it.Request.Credential.ID)
		default:
			continue
		}
		count++
		if len(bad) < maxReported {
			bad = append(bad, msg)
		}
	}
	if count == 0 {
		return nil
	}
	msg := strings.Join(bad, "; ")
	if count > len(bad) {
		msg += fmt.Sprintf("; and %d more", count-len(bad))
	}
	return keys.Errorf(keys.ECONFLICT, "import_conflict", "%d line(s) conflict with the database, nothing was imported: %s", count, msg).
		WithHint("remove or rename those lines, or renew the existing keys instead")
}

func unixOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Unix()
}

// importScopes registers the scope lines of an export. A scope already
// registered the same way is kept as it is; one registered differently
// (admin-only or not) conflicts.
func importScopes(ctx context.Context, tx pgx.Tx, items []keys.ImportItem, now time.Time) error {
	for _, it := range items {
		sc := it.Scope
		if sc == nil {
			continue
		}
		created := sc.CreatedAt
		if created.IsZero() {
			created = now
		}
		var adminOnly bool
		err := tx.QueryRow(ctx, `INSERT INTO scopes AS s (name, description, admin_only, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO UPDATE SET name = s.name RETURNING s.admin_only`,
			sc.Name, sc.Description, sc.AdminOnly, created.Unix()).Scan(&adminOnly)
		if err != nil {
			return err
		}
		if adminOnly != sc.AdminOnly {
			return keys.Errorf(keys.ECONFLICT, "import_conflict", "line %d: scope %q is already registered with admin_only %t, nothing was imported", it.Line, sc.Name, adminOnly).
				WithHint("change the line or the registry so that they agree")
		}
	}
	return nil
}
