package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/keyward/keyward/internal/keys"
)

// The audit log's SQL is the SQLite store's, but for COPY.
const (
	eventColumnList = `seq, at, actor, action, key_id, alias, details, hash`
	headQuery       = `SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1`
	// eventsLock is the advisory lock under which a transaction appends
	// to the log ("kywe"): writers on many machines take turns.
	eventsLock = 0x6b797765
)

var eventColumns = []string{"seq", "at", "actor", "action", "key_id", "alias", "details", "hash"}

// record seals events after the log's head and writes them, in the
// transaction that made the changes they describe.
func (s *Store) record(ctx context.Context, tx pgx.Tx, now time.Time, events []keys.Event) error {
	if len(events) == 0 || s.unaudited {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(eventsLock)); err != nil {
		return err
	}
	_, err := keys.AppendEvents(ctx, eventLog{tx}, now, s.Actor, events)
	return err
}

// eventLog is the audit log within one write transaction, which holds
// the log's advisory lock.
type eventLog struct{ tx pgx.Tx }

func (l eventLog) LastEvent(ctx context.Context) (seq int64, hash []byte, err error) {
	err = l.tx.QueryRow(ctx, headQuery).Scan(&seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, nil
	}
	return seq, hash, err
}

// InsertEvents writes rows with one COPY.
func (l eventLog) InsertEvents(ctx context.Context, rows []keys.EventRow) error {
	src := pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := &rows[i]
		return []any{r.Seq, r.At, r.Actor, r.Action, nullString(r.KeyID), nullString(r.Alias), r.Details, r.Hash}, nil
	})
	_, err := l.tx.CopyFrom(ctx, pgx.Identifier{"events"}, eventColumns, src)
	if sqlState(err) == codeUniqueViolation {
		// A writer that committed while this transaction waited for the
		// lock took the seq its snapshot did not show: run it again.
		return &pgconn.PgError{Code: codeSerialization, Message: "the audit log moved on"}
	}
	return err
}

// batchOf is the batch id shared by the events of a command given n
// keys, or "" for one.
func batchOf(n int) string {
	if n > 1 {
		return keys.NewBatchID()
	}
	return ""
}

func scanEvent(row pgx.Row) (*keys.Event, error) {
	var (
		e            keys.Event
		at           int64
		action       string
		keyID, alias *string
		details      string
	)
	var hash []byte
	if err := row.Scan(&e.Seq, &at, &e.Actor, &action, &keyID, &alias, &details, &hash); err != nil {
		return nil, err
	}
	e.At, e.Action, e.Hash = unix(at), keys.Action(action), hex.EncodeToString(hash)
	if keyID != nil {
		e.KeyID = *keyID
	}
	if alias != nil {
		e.Alias = *alias
	}
	d, err := keys.DecodeDetails(details)
	if err != nil {
		d = keys.Details{"unreadable": details} // an edited event: the chain check names it
	}
	e.Details = d
	return &e, nil
}

// Events streams the events matching f, newest first.
func (s *Store) Events(ctx context.Context, f keys.EventFilter, fn func(*keys.Event) error) error {
	if err := f.Validate(); err != nil {
		return err
	}
	now := s.now()
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Ref != "" {
		k, err := findKey(ctx, s.pool, f.Ref, now)
		if err != nil {
			return s.translate("read", err)
		}
		conds = append(conds, `key_id = `+arg(k.ID))
	}
	if len(f.Actions) > 0 {
		in := make([]string, len(f.Actions))
		for i, a := range f.Actions {
			in[i] = arg(string(a))
		}
		conds = append(conds, `action IN (`+strings.Join(in, ", ")+`)`)
	}
	if f.Since > 0 {
		conds = append(conds, `at >= `+arg(now.Add(-f.Since).Unix()))
	}
	q := `SELECT ` + eventColumnList + ` FROM events`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q += ` ORDER BY seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return s.translate("read", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return s.translate("read", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return s.translate("read", rows.Err())
}

// CheckLog follows the chain from seq 1, in one statement's snapshot.
func (s *Store) CheckLog(ctx context.Context, head *keys.Head) (keys.Head, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumnList+` FROM events ORDER BY seq`)
	if err != nil {
		return keys.Head{}, s.translate("read", err)
	}
	defer rows.Close()
	c := keys.NewChainCheck(head)
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return keys.Head{}, s.translate("read", err)
		}
		if bad := c.Add(e); bad != nil {
			return keys.Head{}, bad.AsError()
		}
	}
	if err := rows.Err(); err != nil {
		return keys.Head{}, s.translate("read", err)
	}
	h, bad := c.Done()
	if bad != nil {
		return h, bad.AsError()
	}
	return h, nil
}

// LogHead returns the latest event's SEQ:HASH.
func (s *Store) LogHead(ctx context.Context) (keys.Head, error) {
	var (
		h    keys.Head
		hash []byte
	)
	err := s.pool.QueryRow(ctx, headQuery).Scan(&h.Seq, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return keys.Head{Hash: keys.GenesisHash}, nil
	}
	h.Hash = hex.EncodeToString(hash)
	return h, s.translate("read", err)
}

// RotateDeliver gives a key a new string; the one it replaces moves to
// previous_hash and verifies until previous_valid_until. deliver, when
// set, hands the new string out just before the commit (handOut).
func (s *Store) RotateDeliver(ctx context.Context, req keys.RotateRequest, deliver func(keys.RotateResult) error) (res keys.RotateResult, err error) {
	if err := req.Validate(); err != nil {
		return res, err
	}
	h := &handOut[keys.RotateResult]{deliver: deliver}
	var cred keys.Credential // minted once: a retry stores what was printed
	err = writeHandingOut(s, ctx, h, func(ctx context.Context) (bool, error) { return s.hashStored(cred.Hash)(ctx) }, func(ctx context.Context, tx pgx.Tx, now time.Time) error {
		old, err := findKey(ctx, tx, req.Ref, now)
		if err != nil {
			return err
		}
		if cred.ID != old.ID {
			cred = keys.NewKeyString(req.Prefix, old.ID)
		}
		if res, err = keys.Rotate(now, old, req, cred); err != nil {
			return err
		}
		k := res.Key
		_, err = tx.Exec(ctx, `UPDATE keys SET previous_hash = hash, hash = $1, previous_valid_until = $2,
			masked = $3, imported = $4, updated_at = $5 WHERE id = $6`,
			res.Credential.Hash, k.PreviousValidUntil.Unix(), k.Masked, k.Imported, k.UpdatedAt.Unix(), k.ID)
		if sqlState(err) == codeUniqueViolation {
			return keys.Errorf(keys.ECONFLICT, "key_exists", "the new key string is already in the database").Wrap(err)
		}
		if err != nil {
			return err
		}
		d := keys.RotateDetails(res.Rotation, old.Masked, k.Masked, old.Imported)
		if err := s.record(ctx, tx, now, []keys.Event{keys.KeyEvent(keys.ActionRotate, k, d)}); err != nil {
			return err
		}
		return h.give(ctx, res)
	})
	return res, err
}
