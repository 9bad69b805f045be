package keys

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Status is derived from the clock at read time, never stored.
type Status string

const (
	StatusActive  Status = "active"
	StatusExpired Status = "expired"
	StatusRevoked Status = "revoked"
)

// ParseStatus checks a status filter value; "all" gives "".
func ParseStatus(s string) (Status, bool, error) {
	switch s {
	case "active", "expired", "revoked":
		return Status(s), false, nil
	case "all":
		return "", true, nil
	}
	return "", false, Errorf(EINVALID, "invalid_status", "unknown status %q", clip(s))
}

// AllScopes is the wildcard scope set: every non-admin-only scope, and
// the admin-only ones too for a key holding the admin role.
const AllScopes = "*"

// Key is a long-lived API key as keyward shows it. Its secret is not here:
// only its hash is stored, and the hash is never shown.
type Key struct {
	ID           string
	Alias        string
	Name         string
	Description  string
	Owner        string
	Roles        []string
	Scopes       []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ExpiresAt    time.Time
	LastUsedAt   *time.Time
	RevokedAt    *time.Time
	RevokeReason string
	TTL          time.Duration
	TokenTTL     time.Duration
	Masked       string
	Imported     bool
	Status       Status
	Meta         Meta // the operator's labels; empty, never nil, when read from a store
	// PreviousValidUntil is when the string the last rotation replaced
	// stops verifying (see LivePrevious); nil for a key never rotated.
	PreviousValidUntil *time.Time
}

// StatusAt derives the status of a key at now.
func StatusAt(revokedAt *time.Time, expiresAt, now time.Time) Status {
	switch {
	case revokedAt != nil:
		return StatusRevoked
	case !now.Before(expiresAt):
		return StatusExpired
	}
	return StatusActive
}

// ValidateAlias checks an alias against ^[a-z0-9][a-z0-9._-]{0,63}$.
func ValidateAlias(alias string) error {
	if IsAlias(alias) {
		return nil
	}
	if LooksLikeCredential(alias) {
		return ErrSecretArgument()
	}
	return Errorf(EINVALID, "invalid_alias", "invalid alias %q: want 1-64 of a-z 0-9 . _ - starting with a letter or digit", clip(alias))
}

// ErrSecretArgument refuses a key or token given where an alias or id
// was expected, without repeating it.
func ErrSecretArgument() *Error {
	return Errorf(EINVALID, "secret_in_argument", "refusing a key or token where an alias or id is expected")
}

// NormalizeName trims a display name and checks it: 1-200 characters,
// no control characters.
func NormalizeName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", Errorf(EINVALID, "invalid_name", "name is empty").With("problem", "empty")
	}
	if err := checkText("name", name, 200); err != nil {
		return "", err
	}
	return name, nil
}

// ValidateDescription checks a description: at most 1000 characters,
// no control characters but newlines and tabs.
func ValidateDescription(s string) error { return checkText("description", s, 1000) }

// ValidateOwner checks an owner: at most 200 characters, no control characters.
func ValidateOwner(s string) error { return checkText("owner", s, 200) }

func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "invalid_"+field, "%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return Errorf(EINVALID, "invalid_"+field, "%s is %d characters long; at most %d are allowed", field, n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(field == "description" && (r == '\n' || r == '\t')) {
			return Errorf(EINVALID, "invalid_"+field, "%s contains a control character (%U)", field, r).
				With("problem", "control")
		}
		// Bidirectional controls (U+202A–U+202E, U+2066–U+2069, the
		// marks) reorder what a terminal shows: a table row could read
		// as another key's.
		if unicode.Is(unicode.Bidi_Control, r) {
			return Errorf(EINVALID, "invalid_"+field, "%s contains a bidirectional control character (%U)", field, r).
				With("problem", "control")
		}
	}
	return nil
}

// Policy is the configured rule set that every change is checked against.
type Policy struct {
	Prefix      string
	DefaultTTL  time.Duration
	MaxTTL      time.Duration
	TokenTTL    time.Duration
	MaxTokenTTL time.Duration
	Roles       []string
	AdminRole   string
}

// CheckTTL refuses a key TTL above max_ttl; it is never silently capped.
func (p Policy) CheckTTL(d time.Duration) error {
	return checkWindow(d, "ttl", "max_ttl", p.MaxTTL)
}

// CheckTokenTTL refuses a key's token TTL above max_token_ttl.
func (p Policy) CheckTokenTTL(d time.Duration) error {
	return checkWindow(d, "token ttl", "max_token_ttl", p.MaxTokenTTL)
}

// checkWindow refuses a duration under a second or above the setting
// named limit; the reason is the limit's with _too_long for its max_.
func checkWindow(d time.Duration, what, limit string, max time.Duration) error {
	if d < time.Second {
		return Errorf(EINVALID, "invalid_duration", "%s %s is shorter than one second", what, d)
	}
	if d > max {
		reason := strings.TrimPrefix(limit, "max_") + "_too_long"
		return Errorf(EINVALID, reason, "%s %s is above %s %s", what, FormatDuration(d), limit, FormatDuration(max)).
			With(limit, FormatDuration(max))
	}
	return nil
}

// NormalizeRoles checks roles against the configured set and returns them
// sorted without duplicates.
func (p Policy) NormalizeRoles(roles []string) ([]string, error) {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if !slices.Contains(p.Roles, r) {
			return nil, Errorf(EINVALID, "unknown_role", "unknown role %q", clip(r)).
				With("roles", strings.Join(p.Roles, ", "))
		}
		out = append(out, r)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// IsAdmin reports whether roles include the admin role. With no admin
// role among the configured roles nobody is admin, not even a key given
// that role before it left the configuration.
func (p Policy) IsAdmin(roles []string) bool {
	r := p.Admin()
	return r != "" && slices.Contains(roles, r)
}

// Admin is the admin role, or "" when the configured roles do not include
// it: then no key can be given an admin-only scope.
func (p Policy) Admin() string {
	if p.AdminRole == "" || !slices.Contains(p.Roles, p.AdminRole) {
		return ""
	}
	return p.AdminRole
}

// ValidateRef checks an ALIAS|ID argument.
func ValidateRef(ref string) error {
	if IsAlias(ref) || len(ref) == IDLen && isBase62(ref) {
		return nil
	}
	if LooksLikeCredential(ref) {
		return ErrSecretArgument()
	}
	return Errorf(EINVALID, "invalid_alias", "%q is neither an alias nor a key id", clip(ref)).
		With("problem", "ref")
}

// ErrKeyNotFound is the not-found error for an ALIAS|ID argument.
func ErrKeyNotFound(ref string) *Error {
	return Errorf(ENOTFOUND, "key_not_found", "no key with alias or id %q", clip(ref))
}

// ValidateReason checks a revocation reason: at most 1000 characters, no
// control characters.
func ValidateReason(s string) error { return checkText("reason", s, 1000) }
