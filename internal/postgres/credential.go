package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

// credentialQuery finds a key or a token by the hash of its string, in
// one statement: both tables have a unique index on hash. The token
// columns are NULL for a key.
var credentialQuery = `SELECT hash, NULL, NULL::text[], NULL::bigint, NULL::bigint, NULL::bigint, ` + keyColumns + ` FROM keys WHERE hash = $1
	UNION ALL
	SELECT t.hash, t.id, t.scopes, t.created_at, t.expires_at, t.revoked_at, ` + keyColumnsOfK + `
	FROM tokens t JOIN keys k ON k.id = t.key_id WHERE t.hash = $1
	LIMIT 1`

// findCredential returns the key or token whose stored hash is hash, or
// nil when none is.
func findCredential(ctx context.Context, q querier, hash string, now time.Time) (*keys.Subject, error) {
	if !keys.IsHash(hash) {
		return nil, keys.Errorf(keys.EINVALID, "invalid_hash", "not a SHA-256 in hex")
	}
	var (
		stored           string
		tokenID          *string
		scopes           []string
		created, expires *int64
		revoked          *int64
	)
	k, err := scanKey(q.QueryRow(ctx, credentialQuery, hash), now, &stored, &tokenID, &scopes, &created, &expires, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// The index found the row; admitting it rests on one constant-time
	// comparison, whatever the server's text comparison does.
	if !keys.HashEqual(stored, hash) {
		return nil, nil
	}
	if tokenID == nil {
		return &keys.Subject{Kind: keys.KindKey, Key: k}, nil
	}
	t := &keys.Token{ID: *tokenID, KeyID: k.ID, Alias: k.Alias, Scopes: list(scopes),
		CreatedAt: unix(*created), ExpiresAt: unix(*expires), RevokedAt: nullUnix(revoked)}
	return &keys.Subject{Kind: keys.KindToken, Key: k, Token: t}, nil
}

// FindCredential returns the key, or the token with its key, whose stored
// SHA-256 is hash, or nil, nil when none matches.
func (s *Store) FindCredential(ctx context.Context, hash string) (*keys.Subject, error) {
	sub, err := findCredential(ctx, s.pool, hash, s.now())
	return sub, s.translate("read", err)
}

// touchWait bounds how long recording last_used_at waits for a row lock
// another transaction holds: a verification must not stall behind an
// import.
const touchWait = 250 * time.Millisecond

// Touch records last_used_at = at on a key unless it was recorded less
// than keys.LastUsedInterval before; best effort: a failure never turns a
// valid key into a refusal. Readers never wait for it, and it waits at
// most touchWait for a writer's row lock. One round trip: verify is a
// whole process per request for some services.
func (s *Store) Touch(ctx context.Context, keyID string, at time.Time) {
	if keys.ValidateKeyID(keyID) != nil {
		return // nothing but base62 goes into the statement below
	}
	ctx, cancel := context.WithTimeout(ctx, 4*touchWait)
	defer cancel()
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return
	}
	defer c.Release()
	unix := at.UTC().Unix()
	c.Conn().PgConn().Exec(ctx, fmt.Sprintf(`BEGIN; SET LOCAL lock_timeout = %d;
		UPDATE keys SET last_used_at = %d WHERE id = '%s' AND (last_used_at IS NULL OR last_used_at <= %d);
		COMMIT`, touchWait.Milliseconds(), unix, keyID, unix-int64(keys.LastUsedInterval/time.Second))).ReadAll()
}
