// Package postgres stores keyward's keys, scopes and tokens in a
// PostgreSQL database, shared by processes on many machines.
//
// It talks to the server through pgx's native interface rather than
// database/sql: import needs COPY, list streams a hundred thousand rows
// without boxing every column in an interface, and errors are read by
// SQLSTATE. Query text is PostgreSQL's own where it differs from SQLite's
// (arrays instead of JSON lists, ON CONFLICT, FOR UPDATE).
package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/keyward/keyward/internal/keys"
)

// retryFor bounds the retries of a transaction the server asks to retry
// (a serialization failure or a deadlock).
const retryFor = 30 * time.Second

var _ keys.Store = (*Store)(nil)

// Store implements keys.Store on a PostgreSQL database, through a small
// pool of connections: a command uses one, a server several at once.
type Store struct {
	pool   *pgxpool.Pool
	where  string // the URL without its password, for messages
	Policy keys.Policy
	// Now is the clock, read once per transaction.
	Now func() time.Time
	// Actor is who the audit log records as making the changes.
	Actor string
	// unaudited turns the audit log off, for the benchmark that measures
	// what it costs; nothing else sets it.
	unaudited bool
}

// Open connects to the database url names and checks that it holds
// keyward's tables, creating them when create is set and there are none.
// Another application's tables, or a newer keyward schema, are refused
// and left untouched.
func Open(ctx context.Context, url string, policy keys.Policy, create bool) (*Store, error) {
	cfg, where, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(where, cfg.ConnConfig, err)
	}
	// The pool connects lazily: the first connection, made here, is the
	// one whose failure (a password, a host, a database) is reported.
	c, err := pool.Acquire(ctx)
	if err != nil {
		pool.Close()
		return nil, connectError(where, cfg.ConnConfig, err)
	}
	c.Release()
	s := &Store{pool: pool, where: where, Policy: policy, Now: time.Now}
	if err := s.checkSchema(ctx, create); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close ends the connection.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Where is the database's URL without its password.
func (s *Store) Where() string { return s.where }

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Second) }

// write runs fn in one serializable transaction with the clock read once,
// and runs it again, after a short random wait, when PostgreSQL reports a
// serialization failure or a deadlock: a concurrent writer won, and the
// transaction must see its result.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx, now time.Time) error) error {
	return s.writeAs(ctx, serializable, fn)
}

func (s *Store) writeAs(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx, now time.Time) error) error {
	start := time.Now()
	backoff := 5 * time.Millisecond
	for {
		err := s.writeOnce(ctx, opts, fn)
		if err == nil || !isRetryable(err) || time.Since(start) > retryFor {
			return s.translate("write", err)
		}
		select {
		case <-ctx.Done():
			return s.translate("write", ctx.Err())
		case <-time.After(backoff/2 + rand.N(backoff)):
		}
		backoff = min(backoff*2, 500*time.Millisecond)
	}
}

var serializable = pgx.TxOptions{IsoLevel: pgx.Serializable}

func (s *Store) writeOnce(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx, now time.Time) error) error {
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx, s.now()); err == errRollback {
		return nil
	} else if err != nil {
		return err
	}
	// Delivered at commit, and only then: a serve on another machine
	// drops its cached records at once instead of at its next poll.
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, ChangesChannel); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

var errRollback = errors.New("rollback")

// SQLSTATEs keyward reads.
const (
	codeSerialization   = "40001"
	codeDeadlock        = "40P01"
	codeUniqueViolation = "23505"
	codeUndefinedTable  = "42P01"
	codeLockTimeout     = "55P03"
	codeQueryCanceled   = "57014"
)

func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func isRetryable(err error) bool {
	c := sqlState(err)
	return c == codeSerialization || c == codeDeadlock
}
