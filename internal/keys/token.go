package keys

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TokenRequest asks for a token minted from a key.
type TokenRequest struct {
	KeyID  string        // the key, found by a Verifier from its string
	TTL    time.Duration // 0: the policy's token_ttl
	Scopes []string      // empty: the key's scopes
	Token  Credential    // the token string to store, minted by the caller
	// PreviousValidUntil is set when the key string presented is the
	// key's previous one, kept through a rotation's grace: the token
	// never outlives that string (MintFrom sets it from the verdict).
	PreviousValidUntil *time.Time
}

// Validate checks and normalizes r: a "*" alone asks for all of the
// key's scopes, which is no narrowing.
func (r *TokenRequest) Validate() error {
	if len(r.KeyID) != IDLen || !isBase62(r.KeyID) {
		return Errorf(EINVALID, "invalid_id", "%q is not a key id", clip(r.KeyID))
	}
	if r.TTL < 0 || r.TTL != 0 && r.TTL < time.Second {
		return Errorf(EINVALID, "invalid_duration", "token ttl %s is shorter than one second", r.TTL)
	}
	if len(r.Scopes) > 0 {
		s, err := NormalizeScopes(r.Scopes)
		if err != nil {
			return err
		}
		r.Scopes = s
		if len(s) == 1 && s[0] == AllScopes {
			r.Scopes = nil
		}
	}
	return r.Token.Validate(KindToken)
}

// Validate checks that c is a credential NewCredential could have made
// of kind, or an imported key string (kind KindKey only).
func (c Credential) Validate(kind Kind) error {
	if len(c.ID) != IDLen || !isBase62(c.ID) || !IsHash(c.Hash) {
		return Errorf(EINVALID, "invalid_credential", "the %s to store has no valid id or hash", kind)
	}
	if c.String == "" && kind == KindKey {
		return nil // an imported key: only its hash is known
	}
	_, shape := Parse(c.String)
	switch {
	case shape == Malformed, !HashEqual(c.Hash, Hash(c.String)):
		return Errorf(EINVALID, "invalid_credential", "the %s string to store is malformed", kind)
	case shape == Foreign && kind == KindToken:
		return Errorf(EINVALID, "invalid_credential", "a token string must have keyward's shape")
	}
	return nil
}

// Token is a short-lived credential minted from a key.
type Token struct {
	ID        string
	KeyID     string
	Alias     string
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// TokenResult is a minted token and why its TTL was shortened, if it was.
type TokenResult struct {
	Token    *Token
	Secret   string
	Warnings []string
}

// MintToken decides the token key k mints at now: refused while the key
// is revoked or expired; its scopes are the key's or a subset of what the
// key holds; its TTL is capped at the key's token TTL and its expiry at
// the key's, each with a warning when the operator asked for more. A
// token minted from the key's previous string is refused once that
// string's grace is over, and never outlives it.
func (p Policy) MintToken(now time.Time, k *Key, reg Registry, req TokenRequest) (TokenResult, error) {
	switch StatusAt(k.RevokedAt, k.ExpiresAt, now) {
	case StatusRevoked:
		return TokenResult{}, ErrRejected(CodeRevoked, k.Alias)
	case StatusExpired:
		return TokenResult{}, ErrRejected(CodeExpired, k.Alias)
	}
	previousEnd := previousStringEnd(k, req.PreviousValidUntil)
	if previousEnd != nil && !now.Before(*previousEnd) {
		return TokenResult{}, ErrPreviousEnded(k.Alias, *previousEnd)
	}
	scopes := k.Scopes
	if len(req.Scopes) > 0 {
		held := p.Effective(reg, k.Roles, k.Scopes)
		for _, sc := range req.Scopes {
			if reg[sc].AdminOnly && !p.IsAdmin(k.Roles) {
				e := p.errAdminOnly(sc, k.Alias)
				e.Op = "token"
				return TokenResult{}, e
			}
			if !slices.Contains(held, sc) {
				e := Errorf(EINVALID, "scope_not_held", "key %q does not hold scope %q", k.Alias, sc)
				e.Op, e.Alias, e.Scope = "token", k.Alias, sc
				return TokenResult{}, e
			}
		}
		scopes = req.Scopes
	}
	ttl := req.TTL
	if ttl == 0 {
		ttl = p.TokenTTL
	}
	var warnings []string
	if ttl > k.TokenTTL {
		// The default token_ttl quietly gives way to a key made for
		// shorter tokens; only a TTL the operator asked for warns.
		if req.TTL != 0 {
			warnings = append(warnings, "token ttl "+FormatDuration(ttl)+" capped at the key's token ttl "+FormatDuration(k.TokenTTL))
		}
		ttl = k.TokenTTL
	}
	// A key made before max_token_ttl was lowered keeps its token ttl on
	// record, but mints under today's maximum.
	if p.MaxTokenTTL > 0 && ttl > p.MaxTokenTTL {
		warnings = append(warnings, "token ttl "+FormatDuration(ttl)+" capped at max_token_ttl "+FormatDuration(p.MaxTokenTTL)+
			" (key "+strconv.Quote(k.Alias)+" allows "+FormatDuration(k.TokenTTL)+", more than the maximum now)")
		ttl = p.MaxTokenTTL
	}
	expires := now.Add(ttl).Truncate(time.Second)
	switch {
	case previousEnd != nil && expires.After(*previousEnd) && previousEnd.Before(k.ExpiresAt):
		expires = *previousEnd
		warnings = append(warnings, "token expiry capped at "+previousEnd.Format(time.RFC3339)+
			", when the key string it was minted from stops working (a rotation replaced it)")
	case expires.After(k.ExpiresAt):
		expires = k.ExpiresAt
		warnings = append(warnings, "token expiry capped at the key's expiry "+k.ExpiresAt.Format(time.RFC3339))
	}
	t := &Token{ID: req.Token.ID, KeyID: k.ID, Alias: k.Alias, Scopes: scopes, CreatedAt: now, ExpiresAt: expires}
	return TokenResult{Token: t, Secret: req.Token.String, Warnings: warnings}, nil
}

// ErrRejected is the refusal of a credential that did not verify, for a
// command that needs a valid key (token): its reason is the verification
// code in lower case.
func ErrRejected(code Code, alias string) *Error {
	msg := map[Code]string{
		CodeMalformed: "the key read is malformed (bad checksum, or not a key at all)",
		CodeNotFound:  "no key matches the key read",
		CodeRevoked:   "the key is revoked",
		CodeExpired:   "the key has expired",
	}[code]
	if msg == "" {
		msg = "the key read was refused: " + string(code)
	}
	return &Error{Code: EREJECTED, Reason: strings.ToLower(string(code)), Message: msg, Op: "token", Alias: alias}
}

// ErrPreviousEnded refuses a key's previous string whose grace is over:
// reason "expired", as verify says EXPIRED, with what the hint needs.
func ErrPreviousEnded(alias string, until time.Time) *Error {
	e := &Error{Code: EREJECTED, Reason: "expired", Op: "token", Alias: alias,
		Message: "the key string read was replaced by a rotation and stopped working at " + until.Format(time.RFC3339)}
	return e.With("string", "previous")
}

// ErrTokenNotKey refuses a token where a key is needed.
func ErrTokenNotKey(alias string) *Error {
	return &Error{Code: EREJECTED, Reason: "token_not_key", Message: "a token cannot mint tokens", Op: "token", Alias: alias}
}

// MintingKey is the id of the key a verified credential lets mint tokens,
// or why it does not: a token mints none, and the key must be valid.
func MintingKey(v Verification) (string, error) {
	switch {
	case v.Kind == KindToken:
		return "", ErrTokenNotKey(v.Alias)
	case v.Code == CodeExpired && v.PreviousValidUntil != nil && v.ExpiresAt != nil && !v.ExpiresAt.Before(*v.PreviousValidUntil):
		// The grace ended it, not the key's expiry (a renewal would not
		// bring it back).
		return "", ErrPreviousEnded(v.Alias, *v.ExpiresAt)
	case !v.Valid:
		return "", ErrRejected(v.Code, v.Alias)
	}
	return v.KeyID, nil
}

// previousStringEnd is when the previous string a token is minted from
// stops working: the end asked for, or sooner when the key's record,
// read in the minting transaction, ends its previous string earlier (a
// revocation, or a rotation that ended it meanwhile). nil for a key's
// current string.
func previousStringEnd(k *Key, asked *time.Time) *time.Time {
	if asked == nil {
		return nil
	}
	end := *asked
	if k.PreviousValidUntil != nil && k.PreviousValidUntil.Before(end) {
		end = *k.PreviousValidUntil
	}
	return &end
}

// MintFrom mints a token from the key whose string is keyString: v finds
// and judges the key, s stores the token.
func MintFrom(ctx context.Context, v *Verifier, s Store, keyString string, req TokenRequest) (TokenResult, error) {
	found, err := v.Verify(ctx, VerifyRequest{Credential: keyString})
	if err != nil {
		return TokenResult{}, err
	}
	if req.KeyID, err = MintingKey(found); err != nil {
		return TokenResult{}, err
	}
	req.PreviousValidUntil = found.PreviousValidUntil
	return s.MintToken(ctx, req)
}
