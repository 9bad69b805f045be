package keys

import (
	"strings"
	"time"
)

// RotateRequest asks for a new key string for an existing key: same id,
// alias, record and expiry.
type RotateRequest struct {
	Ref         string        // alias or id
	Grace       time.Duration // how long the replaced string keeps working; 0: it stops at once
	EndPrevious bool          // a previous string still in its grace is ended first
	Prefix      string        // the key prefix of the new string
}

// Validate checks r.
func (r *RotateRequest) Validate() error {
	if err := ValidateRef(r.Ref); err != nil {
		return err
	}
	if r.Grace < 0 {
		return Errorf(EINVALID, "invalid_duration", "grace %s is negative", r.Grace)
	}
	return ValidatePrefix(r.Prefix)
}

// NewKeyString mints a new key string for the key id: the same id, so
// that the string still names its key, and a new secret.
func NewKeyString(prefix, id string) Credential {
	body := prefix + "_" + id + "_" + randomBase62(randLen)
	s := body + checksum(body)
	return Credential{String: s, ID: id, Hash: Hash(s), Masked: Mask(s)}
}

// ParseGrace reads a grace period: a DUR, or zero ("0", "0s", "0h") for
// none. Negative values are refused like any other bad duration.
func ParseGrace(s string) (time.Duration, error) {
	if isZeroDuration(strings.TrimSpace(s)) {
		return 0, nil
	}
	return ParseDuration(s)
}

// isZeroDuration reports whether s spells zero: digits that are all 0,
// with or without units.
func isZeroDuration(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	for _, r := range s {
		if r >= '1' && r <= '9' || !strings.ContainsRune("0.dwhmsnuµ", r) {
			return false
		}
	}
	return true
}

// Rotation is what rotating a key decides.
type Rotation struct {
	// PreviousValidUntil is when the replaced string stops verifying:
	// now + grace, never past the key's expiry; now itself for no grace.
	PreviousValidUntil time.Time
	// EndedPrevious is set when an older string, still in its grace, was
	// ended to make room: at most two strings of a key are ever live.
	EndedPrevious bool
	Grace         time.Duration
}

// Live reports whether the replaced string still verifies at now.
func (r Rotation) Live(now time.Time) bool { return now.Before(r.PreviousValidUntil) }

// LivePrevious returns when a key's previous string stops verifying, or
// nil when it verifies no more at now: none was kept, its grace is over,
// or the key itself is revoked or expired.
func LivePrevious(k *Key, previousValidUntil *time.Time, now time.Time) *time.Time {
	if previousValidUntil == nil || k.RevokedAt != nil || !now.Before(k.ExpiresAt) || !now.Before(*previousValidUntil) {
		return nil
	}
	t := *previousValidUntil
	return &t
}

// CredentialEnd is when a string of a key stops verifying: the key's
// expiry, or earlier for a previous string at the end of its grace.
func CredentialEnd(keyExpires time.Time, validUntil *time.Time) time.Time {
	if validUntil != nil && validUntil.Before(keyExpires) {
		return *validUntil
	}
	return keyExpires
}

// PreviousEnd is when the string found stops verifying, or stopped, when
// it is its key's previous string (kept through a rotation's grace): the
// end of the grace, or the key's expiry if that comes first. nil for the
// key's current string and for a token.
func (s *Subject) PreviousEnd() *time.Time {
	if s == nil || s.Key == nil || s.Token != nil || s.ValidUntil == nil {
		return nil
	}
	t := CredentialEnd(s.Key.ExpiresAt, s.ValidUntil)
	return &t
}

// DecideRotation decides a rotation of k at now, given when its current
// previous string, if any, stops verifying. Revoked and expired keys are
// refused (a renewal is what they need); so is a key whose previous
// string is still in its grace, unless the request ends that one first.
func DecideRotation(now time.Time, k *Key, previousValidUntil *time.Time, req RotateRequest) (Rotation, error) {
	switch StatusAt(k.RevokedAt, k.ExpiresAt, now) {
	case StatusRevoked:
		return Rotation{}, &Error{Code: ECONFLICT, Reason: "key_revoked", Op: "rotate", Alias: k.Alias,
			Message: "key " + quote(k.Alias) + " is revoked; a revoked key cannot be rotated"}
	case StatusExpired:
		return Rotation{}, &Error{Code: ECONFLICT, Reason: "key_expired", Op: "rotate", Alias: k.Alias,
			Message: "key " + quote(k.Alias) + " has expired; an expired key cannot be rotated"}
	}
	live := LivePrevious(k, previousValidUntil, now)
	if live != nil && !req.EndPrevious {
		e := &Error{Code: ECONFLICT, Reason: "previous_in_grace", Op: "rotate", Alias: k.Alias,
			Message: "key " + quote(k.Alias) + " was rotated and its previous string works until " + auditTime(*live) +
				"; a key has at most two live strings"}
		return Rotation{}, e.With("until", auditTime(*live))
	}
	until := now.Add(req.Grace)
	if until.After(k.ExpiresAt) || until.Before(now) { // Before: an overflowing grace
		until = k.ExpiresAt
	}
	return Rotation{PreviousValidUntil: until, EndedPrevious: live != nil, Grace: req.Grace}, nil
}

func quote(s string) string { return `"` + s + `"` }

// RotateResult is a rotated key and its new string, shown once.
type RotateResult struct {
	Key        *Key
	Secret     string
	Credential Credential // the new string, with its hash for the store
	// PreviousValidUntil is when the replaced string stops verifying; nil
	// when it stopped at once.
	PreviousValidUntil *time.Time
	Rotation           Rotation
}

// Rotate decides a rotation of old at now (DecideRotation) with the new
// string cred, and returns the key as it is after it: the new string's
// masked stub, in keyward's format whatever the old one was, and the
// replaced string's end. cred must be NewKeyString(prefix, old.ID).
func Rotate(now time.Time, old *Key, req RotateRequest, cred Credential) (RotateResult, error) {
	r, err := DecideRotation(now, old, old.PreviousValidUntil, req)
	if err != nil {
		return RotateResult{}, err
	}
	if cred.ID != old.ID {
		return RotateResult{}, Errorf(EINVALID, "invalid_credential", "the new key string does not carry the key's id")
	}
	if err := cred.Validate(KindKey); err != nil {
		return RotateResult{}, err
	}
	if _, shape := Parse(cred.String); shape != Native {
		return RotateResult{}, Errorf(EINVALID, "invalid_credential", "the new key string is not in keyward's format")
	}
	k := *old
	until := r.PreviousValidUntil
	k.Masked, k.Imported, k.UpdatedAt, k.PreviousValidUntil = cred.Masked, false, now, &until
	res := RotateResult{Key: &k, Secret: cred.String, Credential: cred, Rotation: r}
	if r.Live(now) {
		res.PreviousValidUntil = &until
	}
	return res, nil
}
