package sqlite

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

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

// filterWhere is the condition a key meets to match f, at now; its
// limit, offset and order are the caller's.
func (s *Store) filterWhere(f keys.Filter, now time.Time) where {
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
			f.Scope, s.Policy.Admin())
	}
	if f.Owner != nil {
		b.add(`owner = ?`, *f.Owner)
	}
	for _, name := range slices.Sorted(maps.Keys(f.Meta)) {
		// Label names admit no quote: the path needs no escaping.
		b.add(`json_extract(meta, ?) = ?`, `$."`+name+`"`, f.Meta[name])
	}
	if f.Search != "" {
		// char(31) cannot occur in any of the fields, so a match never
		// spans two of them.
		b.add(`instr(keyward_fold(alias || char(31) || name || char(31) || description || char(31) || owner), ?) > 0`, fold(f.Search))
	}
	if f.ExpiringWithin > 0 {
		b.add(`expires_at <= ?`, now.Add(f.ExpiringWithin).Unix())
	}
	return b
}

// sortOrders maps a sort key to ORDER BY, with a tie-breaker so that paging
// with a limit and an offset is stable.
var sortOrders = map[string]string{
	"created":   "created_at DIR, rowid DIR",
	"alias":     "alias DIR",
	"expires":   "expires_at DIR, alias DIR",
	"last_used": "last_used_at DIR, alias DIR",
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

// shifted is sql() with every ?N placeholder renumbered ?N+n, for a
// statement whose own arguments come first.
func (w *where) shifted(n int) string {
	in := w.sql()
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		b.WriteByte(in[i])
		if in[i] != '?' {
			continue
		}
		j := i + 1
		for j < len(in) && '0' <= in[j] && in[j] <= '9' {
			j++
		}
		if num, err := strconv.Atoi(in[i+1 : j]); err == nil {
			b.WriteString(strconv.Itoa(num + n))
			i = j - 1
		}
	}
	return b.String()
}
