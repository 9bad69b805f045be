package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// RenewKeys renews the named keys, all or none.
func (s *Store) RenewKeys(ctx context.Context, req keys.RenewRequest) (out []*keys.Key, err error) {
	if err := req.Validate(s.Policy); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		out = out[:0]
		reg, err := registryFor(ctx, tx, req.Change, req.Reactivate)
		if err != nil {
			return err
		}
		var events []keys.Event
		batch := batchOf(len(req.Refs))
		err = eachKey(ctx, tx, req.Refs, now, func(old *keys.Key) error {
			k, err := s.Policy.Renew(now, old, req.TTL, req.Change, req.Reactivate, reg)
			if err != nil {
				return err
			}
			out = append(out, k)
			events = append(events, keys.KeyEvent(keys.RenewAction(old), k, keys.RenewDetails(old, k).WithBatch(batch)))
			return updateKey(ctx, tx, k)
		})
		if err != nil {
			return err
		}
		return s.record(ctx, tx, now, events)
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
	if err := req.Validate(s.Policy); err != nil {
		return nil, err
	}
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		var b where
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
		batch, err := selectKeys(ctx, tx, `SELECT `+keyColumns+` FROM keys WHERE `+b.sql()+` ORDER BY alias`, b.args, now)
		if err != nil {
			return err
		}
		if out, err = s.Policy.RenewAll(now, batch); err != nil {
			return err
		}
		if req.DryRun {
			return errRollback
		}
		// The batch is the rows just read, in the same transaction, and
		// the rule renewed each for its own TTL from now: one statement
		// writes them all.
		args := append([]any{now.Unix()}, b.args...)
		if _, err = tx.ExecContext(ctx, `UPDATE keys SET expires_at = ?1 + ttl_seconds, updated_at = ?1 WHERE `+b.shifted(1), args...); err != nil {
			return err
		}
		if s.unaudited {
			return nil
		}
		events := make([]keys.Event, len(out))
		batchID := keys.NewBatchID()
		for i, k := range out {
			events[i] = keys.RenewAllEvent(batch[i], k, batchID)
		}
		return s.record(ctx, tx, now, events)
	})
	return out, err
}

// selectKeys runs a query of keyColumns and reads every row.
func selectKeys(ctx context.Context, q querier, query string, args []any, now time.Time) ([]*keys.Key, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*keys.Key
	for rows.Next() {
		k, err := scanKey(rows, now)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
