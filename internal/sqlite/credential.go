package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// credentialQueries find a key, then a token, then a key's previous
// string (kept through a rotation's grace), by the hash of a string:
// each hash column has a unique index. The token columns are NULL for a
// key; the second column says a previous string. Plain statements cost
// SQLite less to prepare than their UNION, and a key, the common case,
// needs only the first.
var credentialQueries = [...]string{
	`SELECT hash, 0, NULL, NULL, NULL, NULL, NULL, ` + keyColumns + ` FROM keys WHERE hash = ?1`,
	`SELECT t.hash, 0, t.id, t.scopes, t.created_at, t.expires_at, t.revoked_at, ` + keyColumnsOfK + `
	FROM tokens t JOIN keys k ON k.id = t.key_id WHERE t.hash = ?1`,
	`SELECT previous_hash, 1, NULL, NULL, NULL, NULL, NULL, ` + keyColumns + ` FROM keys WHERE previous_hash = ?1`,
}

// findCredential returns the key or token whose stored hash is hash, or
// nil when none is.
func findCredential(ctx context.Context, q querier, hash string, now time.Time) (*keys.Subject, error) {
	if !keys.IsHash(hash) {
		return nil, keys.Errorf(keys.EINVALID, "invalid_hash", "not a SHA-256 in hex")
	}
	var (
		stored           string
		previous         bool
		tokenID, scopes  sql.NullString
		created, expires sql.NullInt64
		revoked          sql.NullInt64
	)
	var k *keys.Key
	err := sql.ErrNoRows
	for _, query := range credentialQueries {
		row := q.QueryRowContext(ctx, query, hash)
		k, err = scanKey(prefixScanner{row, []any{&stored, &previous, &tokenID, &scopes, &created, &expires, &revoked}}, now)
		if !errors.Is(err, sql.ErrNoRows) {
			break
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// The index found the row; admitting it rests on one constant-time
	// comparison, whatever the engine's text comparison does.
	if !keys.HashEqual(stored, hash) {
		return nil, nil
	}
	if previous {
		until := time.Unix(0, 0).UTC() // never set without an end; if it were, it ended
		if k.PreviousValidUntil != nil {
			until = *k.PreviousValidUntil
		}
		return &keys.Subject{Kind: keys.KindKey, Key: k, ValidUntil: &until}, nil
	}
	if !tokenID.Valid {
		return &keys.Subject{Kind: keys.KindKey, Key: k}, nil
	}
	t := &keys.Token{ID: tokenID.String, KeyID: k.ID, Alias: k.Alias, Scopes: decodeList(scopes.String),
		CreatedAt: unix(created.Int64), ExpiresAt: unix(expires.Int64), RevokedAt: nullUnix(revoked)}
	return &keys.Subject{Kind: keys.KindToken, Key: k, Token: t}, nil
}

// keyColumnsOfK is keyColumns qualified by the alias k, for joins with
// tables that share column names (tokens: id, scopes, created_at, …).
var keyColumnsOfK = func() string {
	cols := strings.Split(keyColumns, ",")
	for i, c := range cols {
		cols[i] = "k." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}()

// prefixScanner scans leading columns into its own targets, then the rest
// into whatever the caller's Scan asks for.
type prefixScanner struct {
	row  *sql.Row
	lead []any
}

func (p prefixScanner) Scan(dest ...any) error { return p.row.Scan(append(p.lead, dest...)...) }

// FindCredential returns the key, or the token with its key, whose stored
// SHA-256 is hash, or nil, nil when none matches.
func (s *Store) FindCredential(ctx context.Context, hash string) (*keys.Subject, error) {
	var sub *keys.Subject
	err := s.stableRead(ctx, func(q querier) (err error) {
		sub, err = findCredential(ctx, q, hash, s.now())
		return err
	})
	return sub, s.translate("read", err)
}

// Registry returns the scope registry.
func (s *Store) Registry(ctx context.Context) (keys.Registry, error) {
	var reg keys.Registry
	err := s.stableRead(ctx, func(q querier) (err error) {
		reg, err = loadRegistry(ctx, q)
		return err
	})
	return reg, s.translate("read", err)
}

// touchWait is how long Touch waits by default for another writer: a
// verification is a read, and must not stall behind an import.
const touchWait = 250 * time.Millisecond

// Touch records last_used_at = at on a key unless it was recorded less
// than keys.LastUsedInterval before; best effort: a read-only file or a
// busy one must not turn a valid key into a failure, nor make it slow.
func (s *Store) Touch(ctx context.Context, keyID string, at time.Time) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	wait := s.TouchWait
	if wait <= 0 {
		wait = touchWait
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, wait.Milliseconds())); err != nil {
		return
	}
	// The connection goes back to the pool: restore its patience first.
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA busy_timeout = %d`, busyTimeout.Milliseconds()))
	conn.ExecContext(ctx, `UPDATE keys SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at <= ?1 - ?3)`,
		at.UTC().Unix(), keyID, int64(keys.LastUsedInterval/time.Second))
}
