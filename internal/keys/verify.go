package keys

import (
	"slices"
	"time"
)

// Code is the outcome of a verification, in the order it is checked.
type Code string

const (
	CodeMalformed         Code = "MALFORMED"
	CodeNotFound          Code = "NOT_FOUND"
	CodeRevoked           Code = "REVOKED"
	CodeExpired           Code = "EXPIRED"
	CodeInsufficientRole  Code = "INSUFFICIENT_ROLE"
	CodeInsufficientScope Code = "INSUFFICIENT_SCOPE"
	CodeValid             Code = "VALID"
)

// Verification is what verify reports: as much as is known of the
// credential, valid or not.
type Verification struct {
	Valid     bool
	Code      Code
	Kind      Kind
	ID        string
	Alias     string
	Roles     []string
	Scopes    []string
	ExpiresAt *time.Time
	Meta      Meta   // the key's labels
	KeyID     string // the key a token came from; the key itself otherwise
	Touch     bool   // last_used_at should be recorded on the key
	// PreviousValidUntil is set when the credential is a key's previous
	// string, kept through a rotation's grace: when that string stops
	// verifying (as stored; ExpiresAt is the earlier of it and the key's).
	PreviousValidUntil *time.Time
}

// Subject is a found credential: a key, or a token with its key.
type Subject struct {
	Kind  Kind
	Key   *Key
	Token *Token // nil for a key
	// ValidUntil is set for a key's previous string, kept through a
	// rotation's grace: it verifies until then, never past the key's
	// expiry, and as EXPIRED after.
	ValidUntil *time.Time
}

// LastUsedInterval is how stale last_used_at may get: a busy service
// verifying through keyward writes at most once a minute per key.
const LastUsedInterval = time.Minute

// NeedsRegistry reports whether Decide needs the scope registry: to
// expand a key's "*" against required scopes, or against a token's named
// scopes, which a token holds only while its key still does.
func NeedsRegistry(s *Subject, req VerifyRequest) bool {
	if s == nil || s.Key == nil || !slices.Contains(s.Key.Scopes, AllScopes) {
		return false
	}
	if s.Token != nil && !slices.Contains(s.Token.Scopes, AllScopes) {
		return true
	}
	return len(req.Scopes) > 0
}

// grantedScopes is what a credential holds now: a key's scopes; a token's
// "*" is its key's scopes, and its named scopes count only while the key
// still holds them, so that narrowing a key narrows its live tokens.
func (p Policy) grantedScopes(reg Registry, s *Subject) []string {
	k := s.Key
	if s.Token == nil || slices.Contains(s.Token.Scopes, AllScopes) {
		return k.Scopes
	}
	held := p.Effective(reg, k.Roles, k.Scopes)
	out := make([]string, 0, len(s.Token.Scopes))
	for _, sc := range s.Token.Scopes {
		if slices.Contains(held, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// Decide runs the checks after the lookup, in the SPEC's order: REVOKED,
// EXPIRED, INSUFFICIENT_ROLE, INSUFFICIENT_SCOPE, else VALID. A nil
// subject is NOT_FOUND.
func (p Policy) Decide(now time.Time, s *Subject, reg Registry, req VerifyRequest) Verification {
	if s == nil || s.Key == nil {
		return Verification{Code: CodeNotFound}
	}
	k := s.Key
	v := Verification{Kind: s.Kind, ID: k.ID, Alias: k.Alias, Roles: k.Roles, KeyID: k.ID, Meta: k.Meta}
	expires := CredentialEnd(k.ExpiresAt, s.ValidUntil)
	scopes := p.grantedScopes(reg, s)
	revoked := k.RevokedAt != nil
	if s.Token != nil {
		t := s.Token
		v.ID = t.ID
		revoked = revoked || t.RevokedAt != nil
		if t.ExpiresAt.Before(expires) {
			expires = t.ExpiresAt
		}
	}
	v.Scopes = scopes
	v.ExpiresAt = &expires
	if s.ValidUntil != nil {
		until := *s.ValidUntil
		v.PreviousValidUntil = &until
	}
	switch {
	case revoked:
		v.Code = CodeRevoked
	case !now.Before(expires):
		v.Code = CodeExpired
	case !hasAll(k.Roles, req.Roles):
		v.Code = CodeInsufficientRole
	case !hasAll(p.Effective(reg, k.Roles, scopes), req.Scopes):
		v.Code = CodeInsufficientScope
	default:
		v.Code = CodeValid
		v.Valid = true
		v.Touch = k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= LastUsedInterval
	}
	return v
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
