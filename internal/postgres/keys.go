package postgres

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/keyward/keyward/internal/keys"
)

// querier is what both *pgxpool.Pool and pgx.Tx offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

const keyColumns = `id, alias, name, description, owner, roles, scopes, masked, imported,
	ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at, last_used_at, revoked_at, revoke_reason,
	meta, previous_valid_until`

// keyColumnsOfK is keyColumns qualified by the alias k, for joins with
// tables that share column names.
var keyColumnsOfK = func() string {
	cols := strings.Split(keyColumns, ",")
	for i, c := range cols {
		cols[i] = "k." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}()

// keyRow receives one row of keyColumns.
type keyRow struct {
	k                         keys.Key
	ttl, tokenTTL             int64
	created, updated, expires int64
	lastUsed, revoked         *int64
	reason                    *string
	meta                      string
	previous                  *int64
}

func (r *keyRow) targets() []any {
	k := &r.k
	return []any{&k.ID, &k.Alias, &k.Name, &k.Description, &k.Owner, &k.Roles, &k.Scopes, &k.Masked, &k.Imported,
		&r.ttl, &r.tokenTTL, &r.created, &r.updated, &r.expires, &r.lastUsed, &r.revoked, &r.reason, &r.meta, &r.previous}
}

// key finishes the row read into r and derives its status at now.
func (r *keyRow) key(now time.Time) *keys.Key {
	k := r.k
	if k.Roles == nil {
		k.Roles = []string{}
	}
	if k.Scopes == nil {
		k.Scopes = []string{}
	}
	k.TTL = time.Duration(r.ttl) * time.Second
	k.TokenTTL = time.Duration(r.tokenTTL) * time.Second
	k.CreatedAt, k.UpdatedAt, k.ExpiresAt = unix(r.created), unix(r.updated), unix(r.expires)
	k.LastUsedAt, k.RevokedAt = nullUnix(r.lastUsed), nullUnix(r.revoked)
	if r.reason != nil {
		k.RevokeReason = *r.reason
	}
	if m, err := keys.DecodeMeta(r.meta); err == nil {
		k.Meta = m
	} else {
		k.Meta = keys.Meta{}
	}
	k.PreviousValidUntil = nullUnix(r.previous)
	k.Status = keys.StatusAt(k.RevokedAt, k.ExpiresAt, now)
	return &k
}

// scanKey reads one row of keyColumns, after any lead columns.
func scanKey(row pgx.Row, now time.Time, lead ...any) (*keys.Key, error) {
	var r keyRow
	if err := row.Scan(append(lead, r.targets()...)...); err != nil {
		return nil, err
	}
	return r.key(now), nil
}

func unix(v int64) time.Time { return time.Unix(v, 0).UTC() }

func nullUnix(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := unix(*v)
	return &t
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// list makes a nil slice an empty array: the columns are NOT NULL.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// findKey looks a key up by alias or id; an alias wins over an id that
// happens to spell the same. forUpdate locks the row for the rest of the
// transaction.
func findKey(ctx context.Context, q querier, ref string, now time.Time) (*keys.Key, error) {
	if err := keys.ValidateRef(ref); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+keyColumns+` FROM keys WHERE alias = $1 OR id = $1 LIMIT 2`, ref)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var byAlias, byID *keys.Key
	for rows.Next() {
		k, err := scanKey(rows, now)
		if err != nil {
			return nil, err
		}
		if k.Alias == ref {
			byAlias = k
		} else {
			byID = k
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return keys.ResolveRef(ref, byAlias, byID)
}

// FindKey returns one key by alias or id.
func (s *Store) FindKey(ctx context.Context, ref string) (*keys.Key, error) {
	k, err := findKey(ctx, s.pool, ref, s.now())
	return k, s.translate("read", err)
}

// ActiveTokens counts the tokens of a key that would verify now.
func (s *Store) ActiveTokens(ctx context.Context, keyID string) (int, error) {
	if err := keys.ValidateKeyID(keyID); err != nil {
		return 0, err
	}
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM tokens t JOIN keys k ON k.id = t.key_id
		WHERE t.key_id = $1 AND t.revoked_at IS NULL AND k.revoked_at IS NULL AND t.expires_at > $2 AND k.expires_at > $2`,
		keyID, s.now().Unix()).Scan(&n)
	return n, s.translate("read", err)
}

// ListKeys streams the keys matching f to fn, one row at a time.
func (s *Store) ListKeys(ctx context.Context, f keys.Filter, fn func(*keys.Key) error) error {
	if err := f.Validate(); err != nil {
		return err
	}
	now := s.now()
	b := s.filterWhere(f, now)
	order, ok := sortOrders[f.Sort]
	if !ok {
		order = sortOrders["created"]
	}
	dir, nulls := "ASC", "FIRST"
	if f.Desc {
		dir, nulls = "DESC", "LAST"
	}
	limit := "ALL"
	if f.Limit > 0 {
		limit = strconv.Itoa(f.Limit)
	}
	query := `SELECT ` + keyColumns + ` FROM keys WHERE ` + b.sql() +
		` ORDER BY ` + strings.NewReplacer("DIR", dir, "NULLPOS", nulls).Replace(order) +
		` LIMIT ` + limit + ` OFFSET ` + strconv.Itoa(f.Offset)
	rows, err := s.pool.Query(ctx, query, b.args...)
	if err != nil {
		return s.translate("read", err)
	}
	defer rows.Close()
	var r keyRow
	targets := r.targets()
	for rows.Next() {
		r = keyRow{}
		if err := rows.Scan(targets...); err != nil {
			return s.translate("read", err)
		}
		if err := fn(r.key(now)); err != nil {
			return err
		}
	}
	return s.translate("read", rows.Err())
}

// filterWhere is the condition a key meets to match f, at now; its
// limit, offset and order are the caller's.
func (s *Store) filterWhere(f keys.Filter, now time.Time) where {
	var b where
	switch {
	case f.AllStatuses:
	case f.Status == keys.StatusActive:
		b.add(`revoked_at IS NULL AND expires_at > ?1`, now.Unix())
	case f.Status == keys.StatusExpired:
		b.add(`revoked_at IS NULL AND expires_at <= ?1`, now.Unix())
	case f.Status == keys.StatusRevoked:
		b.add(`revoked_at IS NOT NULL`)
	default:
		b.add(`revoked_at IS NULL`)
	}
	if f.Role != "" {
		b.add(`?1 = ANY (roles)`, f.Role)
	}
	if f.Scope != "" {
		// Named explicitly, or covered by "*": every non-admin-only
		// registered scope, admin-only ones too for an admin key.
		b.add(`(?1 = ANY (keys.scopes) OR keys.scopes = '{*}' AND EXISTS (SELECT 1 FROM scopes s WHERE s.name = ?1
				AND (NOT s.admin_only OR ?2 = ANY (keys.roles))))`, f.Scope, s.Policy.AdminRole)
	}
	if f.Owner != nil {
		b.add(`owner = ?1`, *f.Owner)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Meta)) {
		b.add(`meta::jsonb ->> ?1 = ?2`, name, f.Meta[name])
	}
	if f.Search != "" {
		// chr(31) cannot occur in any of the fields, so a match never
		// spans two of them.
		b.add(`strpos(lower((alias || chr(31) || name || chr(31) || description || chr(31) || owner) COLLATE "default"), ?1) > 0`, strings.ToLower(f.Search))
	}
	if f.ExpiringWithin > 0 {
		b.add(`expires_at <= ?1`, now.Add(f.ExpiringWithin).Unix())
	}
	return b
}

// sortOrders maps --sort to ORDER BY, with a tie-breaker so that paging
// with --limit and --offset is stable. NULLs sort as SQLite sorts them:
// first going up, last going down.
var sortOrders = map[string]string{
	"created":   "created_at DIR, seq DIR",
	"alias":     "alias DIR",
	"expires":   "expires_at DIR, alias DIR",
	"last_used": "last_used_at DIR NULLS NULLPOS, alias DIR",
}

// where builds a conjunction of conditions with their arguments. Each
// condition numbers its own arguments ?1, ?2, …; add renumbers them.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	base := len(w.args)
	for i := len(args); i >= 1; i-- {
		cond = strings.ReplaceAll(cond, "?"+strconv.Itoa(i), "$"+strconv.Itoa(base+i))
	}
	w.conds = append(w.conds, "("+cond+")")
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}

// eachKey looks every ref up and calls fn once per distinct key, in the
// order given; an unknown ref fails the whole call.
func eachKey(ctx context.Context, tx pgx.Tx, refs []string, now time.Time, fn func(*keys.Key) error) error {
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
