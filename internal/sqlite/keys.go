package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

const keyColumns = `id, alias, name, description, owner, roles, scopes, masked, imported,
	ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at, last_used_at, revoked_at, revoke_reason`

type scanner interface{ Scan(dest ...any) error }

// scanKey reads one row of keyColumns and derives its status at now.
func scanKey(sc scanner, now time.Time) (*keys.Key, error) {
	var (
		k                         keys.Key
		roles, scopes             string
		ttl, tokenTTL             int64
		created, updated, expires int64
		lastUsed, revoked         sql.NullInt64
		reason                    sql.NullString
	)
	err := sc.Scan(&k.ID, &k.Alias, &k.Name, &k.Description, &k.Owner, &roles, &scopes, &k.Masked, &k.Imported,
		&ttl, &tokenTTL, &created, &updated, &expires, &lastUsed, &revoked, &reason)
	if err != nil {
		return nil, err
	}
	k.Roles = decodeList(roles)
	k.Scopes = decodeList(scopes)
	k.TTL = time.Duration(ttl) * time.Second
	k.TokenTTL = time.Duration(tokenTTL) * time.Second
	k.CreatedAt = unix(created)
	k.UpdatedAt = unix(updated)
	k.ExpiresAt = unix(expires)
	k.LastUsedAt = nullUnix(lastUsed)
	k.RevokedAt = nullUnix(revoked)
	k.RevokeReason = reason.String
	k.Status = keys.StatusAt(k.RevokedAt, k.ExpiresAt, now)
	return &k, nil
}

// findKey looks a key up by alias or id; an alias wins over an id that
// happens to spell the same.
func findKey(ctx context.Context, q querier, ref string, now time.Time) (*keys.Key, error) {
	if err := keys.ValidateRef(ref); err != nil {
		return nil, err
	}
	row := q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE alias = ?1 OR id = ?1 ORDER BY alias = ?1 DESC LIMIT 1`, ref)
	k, err := scanKey(row, now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keys.ErrKeyNotFound(ref)
	}
	return k, err
}

// keyByID looks a key up by its id only.
func keyByID(ctx context.Context, q querier, id string, now time.Time) (*keys.Key, error) {
	k, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE id = ?`, id), now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keys.ErrKeyNotFound(id)
	}
	return k, err
}

// CreateKey stores a new key, or with OrRenew renews the existing one.
func (s *Store) CreateKey(ctx context.Context, req keys.CreateRequest) (res keys.CreateResult, err error) {
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		// By alias only: an alias that spells another key's id is not
		// that key, and --or-renew must never renew the wrong one.
		existing, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE alias = ?`, req.Alias), now)
		if errors.Is(err, sql.ErrNoRows) {
			existing, err = nil, nil
		}
		if err != nil {
			return err
		}
		if existing != nil {
			if !req.OrRenew && existing.RevokedAt != nil {
				// A plain renew would fail too: say what works.
				return keys.Errorf(keys.ECONFLICT, "alias_exists", "a key with alias %q already exists, revoked", req.Alias).
					WithHint("bring it back with: keyward renew %s --reactivate, or choose another alias", req.Alias)
			}
			if !req.OrRenew {
				return keys.Errorf(keys.ECONFLICT, "alias_exists", "a key with alias %q already exists", req.Alias).
					WithHint("renew it with: keyward renew %s (or add --or-renew)", req.Alias)
			}
			k, err := s.renewKey(ctx, tx, now, existing, req.TTL, req.Fields, req.Reactivate)
			res = keys.CreateResult{Key: k, Renewed: true}
			return err
		}
		k := req.NewKey(s.Policy, now)
		if err := s.checkGrant(ctx, tx, k, req.Fields); err != nil {
			return err
		}
		if err := insertKey(ctx, tx, k, req.Credential.Hash); err != nil {
			return err
		}
		res = keys.CreateResult{Key: k, Secret: req.Credential.String}
		return nil
	})
	return res, err
}

func insertKey(ctx context.Context, q querier, k *keys.Key, hash string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO keys (id, alias, hash, name, description, owner, roles, scopes, masked, imported,
		ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Alias, hash, k.Name, k.Description, k.Owner, encodeList(k.Roles), encodeList(k.Scopes), k.Masked, k.Imported,
		seconds(k.TTL), seconds(k.TokenTTL), k.CreatedAt.Unix(), k.UpdatedAt.Unix(), k.ExpiresAt.Unix())
	if isConstraint(err) {
		return keys.Errorf(keys.ECONFLICT, "alias_exists", "a key with alias %q already exists", k.Alias).
			WithHint("renew it with: keyward renew %s", k.Alias).Wrap(err)
	}
	return err
}

// checkGrant checks the scopes a change gives against the registry.
func (s *Store) checkGrant(ctx context.Context, q querier, k *keys.Key, c keys.Change) error {
	if !c.GrantChanged() {
		return nil
	}
	reg, err := loadRegistry(ctx, q)
	if err != nil {
		return err
	}
	return s.Policy.CheckGrant(reg, k.Roles, k.Scopes)
}

// renewKey sets a new expiry from now, with the change applied.
func (s *Store) renewKey(ctx context.Context, tx *sql.Tx, now time.Time, k *keys.Key, ttl time.Duration, c keys.Change, reactivate bool) (*keys.Key, error) {
	if k.RevokedAt != nil && !reactivate {
		return nil, keys.Errorf(keys.ECONFLICT, "key_revoked", "key %q is revoked", k.Alias).
			WithHint("bring it back with: keyward renew %s --reactivate", k.Alias)
	}
	if ttl != 0 {
		k.TTL = ttl
	} else if err := s.checkKeyTTL(k.Alias, k.TTL); err != nil {
		return nil, err
	}
	c.Apply(k)
	if err := s.checkGrant(ctx, tx, k, c); err != nil {
		return nil, err
	}
	k.ExpiresAt = now.Add(k.TTL)
	k.UpdatedAt = now
	k.RevokedAt = nil
	k.RevokeReason = ""
	k.Status = keys.StatusActive
	_, err := tx.ExecContext(ctx, `UPDATE keys SET name = ?, description = ?, owner = ?, roles = ?, scopes = ?,
		ttl_seconds = ?, token_ttl_seconds = ?, expires_at = ?, updated_at = ?, revoked_at = NULL, revoke_reason = NULL
		WHERE id = ?`,
		k.Name, k.Description, k.Owner, encodeList(k.Roles), encodeList(k.Scopes),
		seconds(k.TTL), seconds(k.TokenTTL), k.ExpiresAt.Unix(), now.Unix(), k.ID)
	return k, err
}

// checkKeyTTL refuses to renew a key for its own TTL when that is above
// max_ttl (lowered since the key was made): renewing must not extend a
// key past the policy, and silently shortening it is not ours to decide.
func (s *Store) checkKeyTTL(alias string, ttl time.Duration) *keys.Error {
	max := s.Policy.MaxTTL
	if max <= 0 || ttl <= max {
		return nil
	}
	return keys.Errorf(keys.EINVALID, "ttl_too_long", "key %q has a ttl of %s, above max_ttl %s", alias, keys.FormatDuration(ttl), keys.FormatDuration(max)).
		WithHint("renew it with: keyward renew %s --ttl %s (which becomes its ttl), or raise max_ttl in the config", alias, keys.FormatDuration(max))
}

// checkBatchTTL applies checkKeyTTL to every key a renew --all would
// renew, before any is: the batch is all or none.
func (s *Store) checkBatchTTL(ctx context.Context, tx *sql.Tx, b where) error {
	if s.Policy.MaxTTL <= 0 {
		return nil
	}
	b.add(`ttl_seconds > ?`, seconds(s.Policy.MaxTTL))
	var (
		n     int
		alias string
		ttl   int64
	)
	err := tx.QueryRowContext(ctx, `SELECT count(*) OVER (), alias, ttl_seconds FROM keys WHERE `+b.sql()+` ORDER BY alias LIMIT 1`,
		b.args...).Scan(&n, &alias, &ttl)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	e := s.checkKeyTTL(alias, time.Duration(ttl)*time.Second)
	if n > 1 {
		e.Message = fmt.Sprintf("%d keys have a ttl above max_ttl %s, %q among them", n, keys.FormatDuration(s.Policy.MaxTTL), alias)
	}
	e.Message += "; nothing was renewed"
	return e
}

// RenewKeys renews the named keys, all or none.
func (s *Store) RenewKeys(ctx context.Context, req keys.RenewRequest) (out []*keys.Key, err error) {
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		out = out[:0]
		return eachKey(ctx, tx, req.Refs, now, func(k *keys.Key) error {
			k, err := s.renewKey(ctx, tx, now, k, req.TTL, req.Change, req.Reactivate)
			out = append(out, k)
			return err
		})
	})
	return out, err
}

// eachKey looks every ref up and calls fn once per distinct key, in the
// order given; an unknown ref fails the whole call.
func eachKey(ctx context.Context, tx *sql.Tx, refs []string, now time.Time, fn func(*keys.Key) error) error {
	seen := map[string]bool{}
	for _, ref := range refs {
		k, err := findKey(ctx, tx, ref, now)
		if err != nil {
			return err
		}
		if seen[k.ID] {
			continue
		}
		seen[k.ID] = true
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}

// RenewAll renews every non-revoked key matching the filters in one
// transaction; with DryRun it reports what would change and rolls back.
func (s *Store) RenewAll(ctx context.Context, req keys.RenewAllRequest) (out []*keys.Key, err error) {
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		out = out[:0]
		b := where{args: []any{now.Unix()}} // ?1 is now
		b.add(`revoked_at IS NULL`)
		if req.ExpiringWithin > 0 {
			b.add(`expires_at <= ?`, now.Add(req.ExpiringWithin).Unix())
		}
		if req.Owner != nil {
			b.add(`owner = ?`, *req.Owner)
		}
		if req.Role != "" {
			b.add(`EXISTS (SELECT 1 FROM json_each(keys.roles) WHERE value = ?)`, req.Role)
		}
		if err := s.checkBatchTTL(ctx, tx, b); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `UPDATE keys SET expires_at = ?1 + ttl_seconds, updated_at = ?1 WHERE `+b.sql()+
			` RETURNING `+keyColumns, b.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k, err := scanKey(rows, now)
			if err != nil {
				return err
			}
			out = append(out, k)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if req.DryRun {
			return errRollback
		}
		return nil
	})
	sortByAlias(out)
	return out, err
}

// UpdateKey changes what a key is without touching its expiry.
func (s *Store) UpdateKey(ctx context.Context, ref string, c keys.Change) (k *keys.Key, err error) {
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		if k, err = findKey(ctx, tx, ref, now); err != nil {
			return err
		}
		c.Apply(k)
		if err := s.checkGrant(ctx, tx, k, c); err != nil {
			return err
		}
		k.UpdatedAt = now
		_, err := tx.ExecContext(ctx, `UPDATE keys SET name = ?, description = ?, owner = ?, roles = ?, scopes = ?,
			token_ttl_seconds = ?, updated_at = ? WHERE id = ?`,
			k.Name, k.Description, k.Owner, encodeList(k.Roles), encodeList(k.Scopes), seconds(k.TokenTTL), now.Unix(), k.ID)
		return err
	})
	return k, err
}

// FindKey returns one key by alias or id.
func (s *Store) FindKey(ctx context.Context, ref string) (*keys.Key, error) {
	k, err := findKey(ctx, s.db, ref, s.now())
	return k, s.translate("read", err)
}

// ActiveTokens counts the tokens of a key that would verify now.
func (s *Store) ActiveTokens(ctx context.Context, keyID string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM tokens t JOIN keys k ON k.id = t.key_id
		WHERE t.key_id = ?1 AND t.revoked_at IS NULL AND k.revoked_at IS NULL AND t.expires_at > ?2 AND k.expires_at > ?2`,
		keyID, s.now().Unix()).Scan(&n)
	return n, s.translate("read", err)
}

// ListKeys streams the keys matching f to fn, one row at a time.
func (s *Store) ListKeys(ctx context.Context, f keys.Filter, fn func(*keys.Key) error) error {
	now := s.now()
	var b where
	switch {
	case f.AllStatuses:
	case f.Status == keys.StatusActive:
		b.add(`revoked_at IS NULL AND expires_at > ?`, now.Unix())
	case f.Status == keys.StatusExpired:
		b.add(`revoked_at IS NULL AND expires_at <= ?`, now.Unix())
	case f.Status == keys.StatusRevoked:
		b.add(`revoked_at IS NOT NULL`)
	default:
		b.add(`revoked_at IS NULL`)
	}
	if f.Role != "" {
		b.add(`EXISTS (SELECT 1 FROM json_each(keys.roles) WHERE value = ?)`, f.Role)
	}
	if f.Scope != "" {
		// Named explicitly, or covered by "*": every non-admin-only
		// registered scope, admin-only ones too for an admin key.
		b.add(`(EXISTS (SELECT 1 FROM json_each(keys.scopes) WHERE value = ?1)
			OR keys.scopes = '["*"]' AND EXISTS (SELECT 1 FROM scopes WHERE name = ?1
				AND (admin_only = 0 OR EXISTS (SELECT 1 FROM json_each(keys.roles) WHERE value = ?2))))`,
			f.Scope, s.Policy.AdminRole)
	}
	if f.Owner != nil {
		b.add(`owner = ?`, *f.Owner)
	}
	if f.Search != "" {
		// char(31) cannot occur in any of the fields, so a match never
		// spans two of them.
		b.add(`instr(keyward_fold(alias || char(31) || name || char(31) || description || char(31) || owner), ?) > 0`, fold(f.Search))
	}
	if f.ExpiringWithin > 0 {
		b.add(`expires_at <= ?`, now.Add(f.ExpiringWithin).Unix())
	}
	order, ok := sortOrders[f.Sort]
	if !ok {
		order = sortOrders["created"]
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	limit := -1
	if f.Limit > 0 {
		limit = f.Limit
	}
	query := `SELECT ` + packedColumns + ` FROM keys WHERE ` + b.sql() +
		` ORDER BY ` + strings.ReplaceAll(order, "DIR", dir) +
		` LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(f.Offset)
	rows, err := s.db.QueryContext(ctx, query, b.args...)
	if err != nil {
		return s.translate("read", err)
	}
	defer rows.Close()
	for rows.Next() {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			return s.translate("read", err)
		}
		k, err := scanPacked(packed, now)
		if err != nil {
			return s.translate("read", err)
		}
		if err := fn(k); err != nil {
			return err
		}
	}
	return s.translate("read", rows.Err())
}

// sortOrders maps --sort to ORDER BY, with a tie-breaker so that paging
// with --limit and --offset is stable.
var sortOrders = map[string]string{
	"created":   "created_at DIR, rowid DIR",
	"alias":     "alias DIR",
	"expires":   "expires_at DIR, alias DIR",
	"last_used": "last_used_at DIR, alias DIR",
}

// RevokeKeys revokes the named keys and their tokens, all or none.
func (s *Store) RevokeKeys(ctx context.Context, refs []string, reason string) (out []keys.RevokeResult, err error) {
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
	if k.RevokedAt != nil {
		return keys.RevokeResult{Key: k, AlreadyRevoked: true}, nil
	}
	k.RevokedAt, k.UpdatedAt, k.RevokeReason, k.Status = &now, now, reason, keys.StatusRevoked
	if _, err := tx.ExecContext(ctx, `UPDATE keys SET revoked_at = ?1, updated_at = ?1, revoke_reason = ?2 WHERE id = ?3`,
		now.Unix(), nullString(reason), k.ID); err != nil {
		return keys.RevokeResult{}, err
	}
	// Its tokens die with it, and stay dead if the key is reactivated.
	_, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL`, now.Unix(), k.ID)
	return keys.RevokeResult{Key: k}, err
}

// RevokeCredential revokes the key whose string is given.
func (s *Store) RevokeCredential(ctx context.Context, credential, reason string) (res keys.RevokeResult, err error) {
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		var sub *keys.Subject
		_, shape := keys.Parse(credential)
		if shape != keys.Malformed {
			if sub, err = findCredential(ctx, tx, keys.Hash(credential), now); err != nil {
				return err
			}
		}
		switch {
		case shape == keys.Malformed:
			return keys.Errorf(keys.EINVALID, "malformed_key", "the key read is malformed (bad checksum, or not a key at all)").
				WithHint("check that the whole key was copied, on one line")
		case sub == nil:
			return keys.Errorf(keys.ENOTFOUND, "key_not_found", "no key matches the key read").
				WithHint("it may come from another keyward database; check --db")
		case sub.Token != nil:
			return keys.Errorf(keys.EINVALID, "token_not_key", "that is a token of key %q, not a key", sub.Key.Alias).
				WithHint("tokens die with their key: keyward revoke %s", sub.Key.Alias)
		}
		res, err = revokeKey(ctx, tx, now, sub.Key, reason)
		return err
	})
	return res, err
}

// where builds a conjunction of conditions with their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	// Renumber ?N placeholders so that conditions compose.
	base := len(w.args)
	if strings.Contains(cond, "?1") {
		for i := len(args); i >= 1; i-- {
			cond = strings.ReplaceAll(cond, "?"+strconv.Itoa(i), "?"+strconv.Itoa(base+i))
		}
	} else {
		var b strings.Builder
		n := base
		for _, r := range cond {
			if r == '?' {
				n++
				b.WriteString("?" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
		cond = b.String()
	}
	w.conds = append(w.conds, "("+cond+")")
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "1"
	}
	return strings.Join(w.conds, " AND ")
}

var errRollback = errors.New("rollback")
