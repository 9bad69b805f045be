package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// The audit log's SQL is written to run unchanged on PostgreSQL too:
// $N parameters, standard types, no SQLite-only syntax.
const (
	eventColumns = `seq, at, actor, action, key_id, alias, details, hash`
	headQuery    = `SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1`
	// eventsPerInsert is how many rows a bulk INSERT of events holds.
	eventsPerInsert = 64
)

// record seals events after the log's head and inserts them, in the
// transaction that made the changes they describe: the write lock that
// transaction holds keeps seq gapless and the chain linear.
func (s *Store) record(ctx context.Context, tx *sql.Tx, now time.Time, events []keys.Event) error {
	if len(events) == 0 || s.unaudited {
		return nil
	}
	l := &eventLog{tx: tx}
	defer l.close()
	_, err := keys.AppendEvents(ctx, l, now, s.Actor, events)
	return err
}

// eventLog is the audit log within one write transaction.
type eventLog struct {
	tx    *sql.Tx
	stmts map[eventStmt]*sql.Stmt
	args  []any
}

// eventStmt names a prepared INSERT: its row count, and the time, actor
// and action its rows share.
type eventStmt struct {
	n             int
	at            int64
	actor, action string
}

func (l *eventLog) LastEvent(ctx context.Context) (seq int64, hash []byte, err error) {
	err = l.tx.QueryRowContext(ctx, headQuery).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	return seq, hash, err
}

// InsertEvents writes rows in statements of eventsPerInsert rows that
// share their time, actor and action, and the rest one by one.
func (l *eventLog) InsertEvents(ctx context.Context, rows []keys.EventRow) error {
	for len(rows) > 0 {
		first := &rows[0]
		key := eventStmt{n: eventsPerInsert, at: first.At, actor: first.Actor, action: first.Action}
		if len(rows) < key.n || !sameStmt(first, &rows[key.n-1]) {
			key.n = 1
		}
		stmt, err := l.stmt(ctx, key)
		if err != nil {
			return err
		}
		l.args = l.args[:0]
		for i := range rows[:key.n] {
			r := &rows[i]
			if !sameStmt(first, r) {
				return fmt.Errorf("audit log: events %d and %d differ in time, actor or action", first.Seq, r.Seq)
			}
			l.args = append(l.args, r.Seq, nullString(r.KeyID), nullString(r.Alias), r.Details, r.Hash)
		}
		if _, err := stmt.ExecContext(ctx, l.args...); err != nil {
			return err
		}
		rows = rows[key.n:]
	}
	return nil
}

func sameStmt(a, b *keys.EventRow) bool {
	return a.At == b.At && a.Actor == b.Actor && a.Action == b.Action
}

func (l *eventLog) stmt(ctx context.Context, key eventStmt) (*sql.Stmt, error) {
	if st, ok := l.stmts[key]; ok {
		return st, nil
	}
	st, err := l.tx.PrepareContext(ctx, insertEvents(key))
	if err != nil {
		return nil, err
	}
	if l.stmts == nil {
		l.stmts = map[eventStmt]*sql.Stmt{}
	}
	l.stmts[key] = st
	return st, nil
}

func (l *eventLog) close() {
	for _, st := range l.stmts {
		st.Close()
	}
}

// insertEvents is an INSERT of key.n rows that share their time, actor
// and action: those are written into the statement as literals, so that
// each row binds five values instead of eight. Binding a text costs the
// driver an allocation and a copy: for a bulk command's log, a good part
// of what it costs. Its parameters are anonymous: SQLite looks a named or
// numbered one up by a search, which makes binding hundreds of them slow.
func insertEvents(key eventStmt) string {
	row := "(?, " + strconv.FormatInt(key.at, 10) + ", " + sqlString(key.actor) + ", " + sqlString(key.action) + ", ?, ?, ?, ?)"
	return `INSERT INTO events (` + eventColumns + `) VALUES ` + row + strings.Repeat(", "+row, key.n-1)
}

// sqlString is s as an SQL string literal. keyward's actors are valid
// UTF-8 without control characters (keys.Actor), and its actions its
// own words.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// batchOf is the batch id shared by the events of a command given n
// keys, or "" for one.
func batchOf(n int) string {
	if n > 1 {
		return keys.NewBatchID()
	}
	return ""
}

func scanEvent(sc scanner) (*keys.Event, error) {
	var (
		e            keys.Event
		at           int64
		action       string
		keyID, alias sql.NullString
		details      string
	)
	var hash []byte
	if err := sc.Scan(&e.Seq, &at, &e.Actor, &action, &keyID, &alias, &details, &hash); err != nil {
		return nil, err
	}
	e.At, e.Action, e.KeyID, e.Alias, e.Hash = unix(at), keys.Action(action), keyID.String, alias.String, hex.EncodeToString(hash)
	d, err := keys.DecodeDetails(details)
	if err != nil {
		// An unreadable details column is an edited event: the chain
		// check names it, and the log shows what is there.
		d = keys.Details{"unreadable": details}
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
		k, err := findKey(ctx, s.db, f.Ref, now)
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
	q := `SELECT ` + eventColumns + ` FROM events`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	q += ` ORDER BY seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
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

// CheckLog follows the chain from seq 1. One SELECT reads one snapshot:
// a writer committing meanwhile cannot make a sound log look broken.
func (s *Store) CheckLog(ctx context.Context, head *keys.Head) (keys.Head, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM events ORDER BY seq`)
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

// LogHead returns the latest event's SEQ:HASH, or 0 and the genesis hash
// for an empty log.
func (s *Store) LogHead(ctx context.Context) (keys.Head, error) {
	var (
		h    keys.Head
		hash []byte
	)
	err := s.db.QueryRowContext(ctx, headQuery).Scan(&h.Seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return keys.Head{Hash: keys.GenesisHash}, nil
	}
	h.Hash = hex.EncodeToString(hash)
	return h, s.translate("read", err)
}
