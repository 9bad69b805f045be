package postgres

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/keys"
)

// Verify checks a key or token in the SPEC's order and records
// last_used_at on a valid key at most once a minute.
func (s *Store) Verify(ctx context.Context, req keys.VerifyRequest) (keys.Verification, error) {
	now := s.now()
	if _, shape := keys.Parse(req.Credential); shape == keys.Malformed {
		return keys.Verification{Code: keys.CodeMalformed}, nil
	}
	sub, err := s.FindCredential(ctx, keys.Hash(req.Credential))
	if err != nil {
		return keys.Verification{}, err
	}
	var reg keys.Registry
	if keys.NeedsRegistry(sub, req) {
		if reg, err = s.Registry(ctx); err != nil {
			return keys.Verification{}, err
		}
	}
	v := s.Policy.Decide(now, sub, reg, req)
	if v.Touch {
		s.Touch(ctx, v.KeyID, now)
	}
	return v, nil
}

// RevokeCredential revokes the key whose string is given.
func (s *Store) RevokeCredential(ctx context.Context, credential, reason string) (res keys.RevokeResult, err error) {
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		var sub *keys.Subject
		_, shape := keys.Parse(credential)
		if shape != keys.Malformed {
			if sub, err = findCredential(ctx, tx, keys.Hash(credential), now); err != nil {
				return err
			}
		}
		switch {
		case shape == keys.Malformed:
			return keys.Errorf(keys.EINVALID, "malformed_key", "the key read is malformed (bad checksum, or not a key at all)").
				WithHint("check that the whole key was copied, on one line")
		case sub == nil:
			return keys.Errorf(keys.ENOTFOUND, "key_not_found", "no key matches the key read").
				WithHint("it may come from another keyward database; check --db")
		case sub.Token != nil:
			return keys.Errorf(keys.EINVALID, "token_not_key", "that is a token of key %q, not a key", sub.Key.Alias).
				WithHint("tokens die with their key: keyward revoke %s", sub.Key.Alias)
		}
		res, err = revokeKey(ctx, tx, now, sub.Key, reason)
		return err
	})
	return res, err
}

// MintToken exchanges a key for a short-lived token.
func (s *Store) MintToken(ctx context.Context, req keys.TokenRequest) (res keys.TokenResult, err error) {
	err = s.write(ctx, func(tx pgx.Tx, now time.Time) error {
		var sub *keys.Subject
		code := keys.CodeNotFound
		if _, shape := keys.Parse(req.KeyString); shape == keys.Malformed {
			code = keys.CodeMalformed
		} else if sub, err = findCredential(ctx, tx, keys.Hash(req.KeyString), now); err != nil {
			return err
		}
		if sub != nil && sub.Token != nil {
			return keys.Errorf(keys.EREJECTED, "token_not_key", "a token cannot mint tokens").
				WithHint("give the key itself")
		}
		if sub != nil {
			code = ""
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
		if _, err := tx.Exec(ctx, `INSERT INTO tokens (id, key_id, hash, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, t.KeyID, req.Token.Hash, list(t.Scopes), now.Unix(), expires.Unix()); err != nil {
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
