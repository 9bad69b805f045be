package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

var importColumns = []string{"id", "alias", "hash", "name", "description", "owner", "roles", "scopes", "masked", "imported",
	"ttl_seconds", "token_ttl_seconds", "created_at", "updated_at", "expires_at", "last_used_at", "revoked_at", "revoke_reason", "meta",
	"previous_hash", "previous_valid_until"}

// errImportConflict: COPY met a row already in the table.
var errImportConflict = errors.New("import conflicts with existing keys")

// Import writes validated items in one transaction with COPY: all of
// them, or none when a line names an unknown scope or conflicts with an
// existing alias, key string or id.
func (s *Store) Import(ctx context.Context, items []keys.ImportItem) (out []keys.ImportResult, err error) {
	return s.ImportDeliver(ctx, items, nil)
}

// ImportDeliver is Import that hands the results to deliver inside the
// transaction, once every line is checked and just before the commit
// (handOut): when deliver fails (stdout on a full disk) nothing is
// imported, so no generated key exists whose only copy was lost.
func (s *Store) ImportDeliver(ctx context.Context, items []keys.ImportItem, deliver func([]keys.ImportResult) error) (out []keys.ImportResult, err error) {
	h := &handOut[[]keys.ImportResult]{deliver: deliver}
	now := s.now()
	for i := range items {
		if err := items[i].Validate(s.Policy, now); err != nil {
			return nil, err
		}
	}
	for attempt := 0; ; attempt++ {
		err = writeHandingOut(s, ctx, h, s.importStored(items), func(ctx context.Context, tx pgx.Tx, now time.Time) error {
			events, err := importScopes(ctx, tx, items, now)
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
			if out, err = s.copyKeys(ctx, tx, items, now, &events); err != nil {
				return err
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
			return h.give(ctx, out)
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
func (s *Store) copyKeys(ctx context.Context, tx pgx.Tx, items []keys.ImportItem, now time.Time, events *[]keys.Event) ([]keys.ImportResult, error) {
	batch := keys.NewBatchID()
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
		row[18] = keys.EncodeMeta(k.Meta)
		row[19], row[20] = nullString(it.PreviousHash()), unixOrNil(k.PreviousValidUntil)
		if !s.unaudited {
			*events = append(*events, keys.ImportEvent(k, it.Imported, it.ExpiresAt != nil, batch))
		}
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

// importConflicts names the lines whose alias, key string or id is
// already in the database, or returns nil when none is.
func (s *Store) importConflicts(ctx context.Context, items []keys.ImportItem) error {
	aliases := make([]string, len(items))
	hashes := make([]string, len(items))
	ids := make([]string, len(items))
	var previous []string
	for i, it := range items {
		aliases[i], hashes[i], ids[i] = it.Request.Alias, it.Request.Credential.Hash, it.Request.Credential.ID
		if p := it.PreviousHash(); p != "" {
			previous = append(previous, p)
		}
	}
	items = slices.DeleteFunc(slices.Clone(items), func(it keys.ImportItem) bool { return it.Scope != nil })
	taken := map[string]bool{}
	rows, err := s.pool.Query(ctx, `SELECT 'a' || alias FROM keys WHERE alias = ANY ($1)
		UNION ALL SELECT 'h' || hash FROM keys WHERE hash = ANY ($2)
		UNION ALL SELECT 'i' || id FROM keys WHERE id = ANY ($3)
		UNION ALL SELECT 'p' || previous_hash FROM keys WHERE previous_hash = ANY ($4)`, aliases, hashes, ids, previous)
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
	var cs []keys.ImportConflict
	total := 0
	for _, it := range items {
		c := keys.ImportConflict{Item: it, AliasTaken: taken["a"+it.Request.Alias], KeyTaken: taken["h"+it.Request.Credential.Hash],
			PreviousTaken: taken["p"+it.PreviousHash()]}
		if !c.AliasTaken && !c.KeyTaken && !c.PreviousTaken && !taken["i"+it.Request.Credential.ID] {
			continue
		}
		total++
		if len(cs) < keys.MaxReportedConflicts {
			cs = append(cs, c)
		}
	}
	if total == 0 {
		return nil
	}
	return keys.ErrImportConflicts(total, cs)
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
func importScopes(ctx context.Context, tx pgx.Tx, items []keys.ImportItem, now time.Time) (added []keys.Event, err error) {
	for _, it := range items {
		sc := it.Scope
		if sc == nil {
			continue
		}
		created := sc.CreatedAt
		if created.IsZero() {
			created = now
		}
		var adminOnly, inserted bool
		err := tx.QueryRow(ctx, `INSERT INTO scopes AS s (name, description, admin_only, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO UPDATE SET name = s.name RETURNING s.admin_only, xmax = 0`,
			sc.Name, sc.Description, sc.AdminOnly, created.Unix()).Scan(&adminOnly, &inserted)
		if err != nil {
			return nil, err
		}
		if adminOnly != sc.AdminOnly {
			return nil, keys.ErrScopeConflict(it.Line, sc.Name, adminOnly)
		}
		if inserted {
			added = append(added, keys.ScopeEvent(keys.ActionScopeAdd, *sc))
		}
	}
	return added, nil
}

// aliasesAreIDs refuses the transaction when an alias spells another
// key's id: a reference to it would name two keys.
func aliasesAreIDs(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT k.alias, o.alias FROM keys k JOIN keys o ON o.id = k.alias WHERE o.id <> k.id LIMIT 10`)
	if err != nil {
		return err
	}
	pairs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var p [2]string
		err := r.Scan(&p[0], &p[1])
		return p, err
	})
	if err != nil {
		return err
	}
	if len(pairs) > 0 {
		return keys.ErrImportAliasesAreIDs(pairs)
	}
	return nil
}
