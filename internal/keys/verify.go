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
	KeyID     string // the key a token came from; the key itself otherwise
	Touch     bool   // last_used_at should be recorded on the key
}

// Subject is a found credential: a key, or a token with its key.
type Subject struct {
	Kind  Kind
	Key   *Key
	Token *Token // nil for a key
}

// LastUsedInterval is how stale last_used_at may get: a busy service
// verifying through keyward writes at most once a minute per key.
const LastUsedInterval = time.Minute

// NeedsRegistry reports whether Decide needs the scope registry: only to
// expand "*" against required scopes.
func NeedsRegistry(s *Subject, req VerifyRequest) bool {
	if len(req.Scopes) == 0 || s == nil || s.Key == nil {
		return false
	}
	scopes := s.Key.Scopes
	if s.Token != nil {
		scopes = s.Token.Scopes
	}
	return slices.Contains(scopes, AllScopes)
}

// Decide runs the checks after the lookup, in the SPEC's order: REVOKED,
// EXPIRED, INSUFFICIENT_ROLE, INSUFFICIENT_SCOPE, else VALID. A nil
// subject is NOT_FOUND.
func (p Policy) Decide(now time.Time, s *Subject, reg Registry, req VerifyRequest) Verification {
	if s == nil || s.Key == nil {
		return Verification{Code: CodeNotFound}
	}
	k := s.Key
	v := Verification{Kind: s.Kind, ID: k.ID, Alias: k.Alias, Roles: k.Roles, KeyID: k.ID}
	expires := k.ExpiresAt
	scopes := k.Scopes
	revoked := k.RevokedAt != nil
	if s.Token != nil {
		t := s.Token
		v.ID = t.ID
		scopes = t.Scopes
		revoked = revoked || t.RevokedAt != nil
		if t.ExpiresAt.Before(expires) {
			expires = t.ExpiresAt
		}
	}
	v.Scopes = scopes
	v.ExpiresAt = &expires
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
