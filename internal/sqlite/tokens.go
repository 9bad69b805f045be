package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// lookup finds the key or token a credential string names. A nil subject
// with CodeNotFound means no match (also a wrong secret); CodeMalformed
// means the string was refused without touching the database.
func lookup(ctx context.Context, q querier, credential string, now time.Time) (*keys.Subject, keys.Code, error) {
	p, shape := keys.Parse(credential)
	if shape == keys.Malformed {
		return nil, keys.CodeMalformed, nil
	}
	hash := keys.Hash(credential)
	if shape == keys.Foreign {
		return keyByHash(ctx, q, hash, now)
	}
	// A head ending in "t" may be a token of prefix P or a key of prefix
	// Pt: ids are unique across both, so try the likelier first.
	order := []keys.Kind{keys.KindKey, keys.KindToken}
	if p.MaybeToken() {
		order = []keys.Kind{keys.KindToken, keys.KindKey}
	}
	for _, kind := range order {
		var sub *keys.Subject
		var stored string
		var err error
		if kind == keys.KindKey {
			sub, stored, err = keyByID(ctx, q, p.ID, now)
		} else if p.MaybeToken() {
			sub, stored, err = tokenByID(ctx, q, p.ID, now)
		}
		if err != nil {
			return nil, "", err
		}
		if sub == nil {
			continue
		}
		if !keys.HashEqual(stored, hash) {
			return nil, keys.CodeNotFound, nil
		}
		return sub, "", nil
	}
	// No id matched: the string may be an imported key that happens to
	// have keyward's shape (from another keyward database).
	return keyByHash(ctx, q, hash, now)
}

func keyByHash(ctx context.Context, q querier, hash string, now time.Time) (*keys.Subject, keys.Code, error) {
	k, err := scanKey(q.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE hash = ?`, hash), now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, keys.CodeNotFound, nil
	}
	if err != nil {
		return nil, "", err
	}
	return &keys.Subject{Kind: keys.KindKey, Key: k}, "", nil
}

func keyByID(ctx context.Context, q querier, id string, now time.Time) (*keys.Subject, string, error) {
	var hash string
	row := q.QueryRowContext(ctx, `SELECT hash, `+keyColumns+` FROM keys WHERE id = ?`, id)
	k, err := scanKey(prefixScanner{row, []any{&hash}}, now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	return &keys.Subject{Kind: keys.KindKey, Key: k}, hash, nil
}

func tokenByID(ctx context.Context, q querier, id string, now time.Time) (*keys.Subject, string, error) {
	var (
		t                keys.Token
		hash, scopes     string
		created, expires int64
		revoked          sql.NullInt64
	)
	row := q.QueryRowContext(ctx, `SELECT t.id, t.key_id, t.hash, t.scopes, t.created_at, t.expires_at, t.revoked_at, `+keyColumnsOfK+`
		FROM tokens t JOIN keys k ON k.id = t.key_id WHERE t.id = ?`, id)
	k, err := scanKey(prefixScanner{row, []any{&t.ID, &t.KeyID, &hash, &scopes, &created, &expires, &revoked}}, now)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	t.Alias = k.Alias
	t.Scopes = decodeList(scopes)
	t.CreatedAt, t.ExpiresAt, t.RevokedAt = unix(created), unix(expires), nullUnix(revoked)
	return &keys.Subject{Kind: keys.KindToken, Key: k, Token: &t}, hash, nil
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

// Verify checks a key or token in the SPEC's order and records
// last_used_at on a valid key at most once a minute.
func (s *Store) Verify(ctx context.Context, req keys.VerifyRequest) (keys.Verification, error) {
	now := s.now()
	sub, code, err := lookup(ctx, s.db, req.Credential, now)
	if err != nil {
		return keys.Verification{}, s.translate("read", err)
	}
	if sub == nil {
		return keys.Verification{Code: code}, nil
	}
	var reg keys.Registry
	if keys.NeedsRegistry(sub, req) {
		if reg, err = loadRegistry(ctx, s.db); err != nil {
			return keys.Verification{}, s.translate("read", err)
		}
	}
	v := s.Policy.Decide(now, sub, reg, req)
	if v.Touch {
		s.touch(ctx, v.KeyID, now)
	}
	return v, nil
}

// touchWait bounds how long recording last_used_at waits for another
// process's write transaction: a verification is a read, and must not
// stall behind an import.
const touchWait = 250 * time.Millisecond

// touch records last_used_at on a key, best effort: a read-only file or a
// busy one must not turn a valid key into a failure, nor make it slow.
func (s *Store) touch(ctx context.Context, keyID string, now time.Time) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, touchWait.Milliseconds())); err != nil {
		return
	}
	// The connection goes back to the pool: restore its patience first.
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA busy_timeout = %d`, busyTimeout.Milliseconds()))
	conn.ExecContext(ctx, `UPDATE keys SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at <= ?1 - ?3)`,
		now.Unix(), keyID, int64(keys.LastUsedInterval/time.Second))
}

// MintToken exchanges a key for a short-lived token.
func (s *Store) MintToken(ctx context.Context, req keys.TokenRequest) (res keys.TokenResult, err error) {
	err = s.write(ctx, func(tx *sql.Tx, now time.Time) error {
		sub, code, err := lookup(ctx, tx, req.KeyString, now)
		if err != nil {
			return err
		}
		if sub != nil && sub.Token != nil {
			return keys.Errorf(keys.EREJECTED, "token_not_key", "a token cannot mint tokens").
				WithHint("give the key itself")
		}
		if sub != nil {
			switch sub.Key.Status {
			case keys.StatusRevoked:
				code = keys.CodeRevoked
			case keys.StatusExpired:
				code = keys.CodeExpired
			}
		}
		if code != "" {
			return rejected(code)
		}
		k := sub.Key
		reg, err := loadRegistry(ctx, tx)
		if err != nil {
			return err
		}
		scopes := k.Scopes
		if len(req.Scopes) > 0 {
			allowed := s.Policy.Effective(reg, k.Roles, k.Scopes)
			for _, sc := range req.Scopes {
				if reg[sc].AdminOnly && !s.Policy.IsAdmin(k.Roles) {
					return keys.Errorf(keys.EINVALID, "admin_only_scope", "scope %q is admin-only and key %q does not hold the %q role", sc, k.Alias, s.Policy.AdminRole).
						WithHint("a token can only narrow its key's scopes")
				}
				if !slices.Contains(allowed, sc) {
					return keys.Errorf(keys.EINVALID, "scope_not_held", "key %q does not hold scope %q", k.Alias, sc).
						WithHint("a token can only narrow its key's scopes")
				}
			}
			scopes = req.Scopes
		}
		ttl := req.TTL
		if ttl == 0 {
			ttl = s.Policy.TokenTTL
		}
		var warnings []string
		if ttl > k.TokenTTL {
			// The default token_ttl quietly gives way to a key made for
			// shorter tokens; only a --ttl the operator asked for warns.
			if req.TTL != 0 {
				warnings = append(warnings, "token ttl "+keys.FormatDuration(ttl)+" capped at the key's token ttl "+keys.FormatDuration(k.TokenTTL))
			}
			ttl = k.TokenTTL
		}
		expires := now.Add(ttl).Truncate(time.Second)
		if expires.After(k.ExpiresAt) {
			expires = k.ExpiresAt
			warnings = append(warnings, "token expiry capped at the key's expiry "+k.ExpiresAt.Format(time.RFC3339))
		}
		t := &keys.Token{ID: req.Token.ID, KeyID: k.ID, Alias: k.Alias, Scopes: scopes, CreatedAt: now, ExpiresAt: expires}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, key_id, hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.KeyID, req.Token.Hash, encodeList(t.Scopes), now.Unix(), expires.Unix()); err != nil {
			return err
		}
		res = keys.TokenResult{Token: t, Secret: req.Token.String, Warnings: warnings}
		return nil
	})
	return res, err
}

func rejected(code keys.Code) error {
	msg := map[keys.Code]string{
		keys.CodeMalformed: "the key read is malformed (bad checksum, or not a key at all)",
		keys.CodeNotFound:  "no key matches the key read",
		keys.CodeRevoked:   "the key is revoked",
		keys.CodeExpired:   "the key has expired",
	}[code]
	hint := map[keys.Code]string{
		keys.CodeMalformed: "check that the whole key was copied, on one line",
		keys.CodeNotFound:  "check the key and --db",
		keys.CodeRevoked:   "ask for a new key, or reactivate it with keyward renew ALIAS --reactivate",
		keys.CodeExpired:   "renew it with: keyward renew ALIAS",
	}[code]
	return keys.Errorf(keys.EREJECTED, strings.ToLower(string(code)), "%s", msg).WithHint("%s", hint)
}
