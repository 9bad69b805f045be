package postgres

import (
	"context"

	"github.com/keyward/keyward/internal/keys"
)

// CountKeys counts the keys ListKeys would give for f without its limit
// and offset.
func (s *Store) CountKeys(ctx context.Context, f keys.Filter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	b := s.filterWhere(f, s.now())
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM keys WHERE `+b.sql(), b.args...).Scan(&n)
	if err != nil {
		return 0, s.translate("read", err)
	}
	return n, nil
}
