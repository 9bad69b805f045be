package output

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// Marshal encodes v as compact JSON without HTML escaping: keyward's JSON
// is read by scripts, and "<" in a description stays "<".
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// ErrorDoc is the JSON error document written to stderr with -o json.
type ErrorDoc struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is an error's reason, message and hint.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// Time is a time in JSON as RFC 3339 in UTC with second precision.
type Time time.Time

// MarshalJSON writes "2006-01-02T15:04:05Z".
func (t Time) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 22), '"')
	b = time.Time(t).UTC().AppendFormat(b, TimeFormat)
	return append(b, '"'), nil
}

func timePtr(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	v := Time(*t)
	return &v
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// list is never null in JSON: no roles is [].
func list(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// KeyDoc is a key's JSON object, the fields in the documented order. The
// list fast path (JSON.Key) writes the same bytes; a test holds it to
// this struct.
type KeyDoc struct {
	ID              string   `json:"id"`
	Alias           string   `json:"alias"`
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Owner           string   `json:"owner"`
	Roles           []string `json:"roles"`
	Scopes          []string `json:"scopes"`
	Status          string   `json:"status"`
	CreatedAt       Time     `json:"created_at"`
	UpdatedAt       Time     `json:"updated_at"`
	ExpiresAt       Time     `json:"expires_at"`
	LastUsedAt      *Time    `json:"last_used_at"`
	RevokedAt       *Time    `json:"revoked_at"`
	RevokeReason    *string  `json:"revoke_reason"`
	TTLSeconds      int64    `json:"ttl_seconds"`
	TokenTTLSeconds int64    `json:"token_ttl_seconds"`
	Masked          string   `json:"masked"`
	Imported        bool     `json:"imported"`
}

// NewKeyDoc is k's JSON object.
func NewKeyDoc(k *keys.Key) KeyDoc {
	return KeyDoc{
		ID: k.ID, Alias: k.Alias, Name: k.Name, Description: k.Description, Owner: k.Owner,
		Roles: list(k.Roles), Scopes: list(k.Scopes), Status: string(k.Status),
		CreatedAt: Time(k.CreatedAt), UpdatedAt: Time(k.UpdatedAt), ExpiresAt: Time(k.ExpiresAt),
		LastUsedAt: timePtr(k.LastUsedAt), RevokedAt: timePtr(k.RevokedAt), RevokeReason: nullString(k.RevokeReason),
		TTLSeconds: int64(k.TTL / time.Second), TokenTTLSeconds: int64(k.TokenTTL / time.Second),
		Masked: k.Masked, Imported: k.Imported,
	}
}

// CreatedDoc is what create prints: the key, its string when new, and
// with --or-renew whether it was renewed instead.
type CreatedDoc struct {
	KeyDoc
	Key     string `json:"key,omitempty"`
	Renewed *bool  `json:"renewed,omitempty"`
}

// ShownDoc is what show prints.
type ShownDoc struct {
	KeyDoc
	ActiveTokens int `json:"active_tokens"`
}

// RevokedDoc is one key revoke reports.
type RevokedDoc struct {
	KeyDoc
	AlreadyRevoked bool `json:"already_revoked"`
}

// TokenDoc is a newly minted token.
type TokenDoc struct {
	Token     string   `json:"token"`
	ID        string   `json:"id"`
	KeyID     string   `json:"key_id"`
	Alias     string   `json:"alias"`
	Scopes    []string `json:"scopes"`
	CreatedAt Time     `json:"created_at"`
	ExpiresAt Time     `json:"expires_at"`
}

// NewTokenDoc is a minted token's JSON object.
func NewTokenDoc(secret string, t *keys.Token) TokenDoc {
	return TokenDoc{Token: secret, ID: t.ID, KeyID: t.KeyID, Alias: t.Alias, Scopes: list(t.Scopes),
		CreatedAt: Time(t.CreatedAt), ExpiresAt: Time(t.ExpiresAt)}
}

// VerificationDoc is verify's answer; what is not known (everything, for
// MALFORMED or NOT_FOUND) is null.
type VerificationDoc struct {
	Valid     bool      `json:"valid"`
	Code      string    `json:"code"`
	Kind      *string   `json:"kind"`
	ID        *string   `json:"id"`
	KeyID     *string   `json:"key_id"`
	Alias     *string   `json:"alias"`
	Roles     *[]string `json:"roles"`
	Scopes    *[]string `json:"scopes"`
	ExpiresAt *Time     `json:"expires_at"`
}

// NewVerificationDoc is v's JSON object.
func NewVerificationDoc(v keys.Verification) VerificationDoc {
	d := VerificationDoc{Valid: v.Valid, Code: string(v.Code)}
	if v.Kind == "" {
		return d
	}
	kind, roles, scopes := string(v.Kind), list(v.Roles), list(v.Scopes)
	d.Kind, d.ID, d.KeyID, d.Alias = &kind, &v.ID, &v.KeyID, &v.Alias
	d.Roles, d.Scopes, d.ExpiresAt = &roles, &scopes, timePtr(v.ExpiresAt)
	return d
}

// ImportedDoc is one imported key: its string only when keyward made it.
type ImportedDoc struct {
	Alias string `json:"alias"`
	ID    string `json:"id"`
	Key   string `json:"key,omitempty"`
}

// ScopeDoc is a registered scope.
type ScopeDoc struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	AdminOnly   bool   `json:"admin_only"`
	Keys        int    `json:"keys"`
}

// ScopeRemovedDoc is what scopes remove prints.
type ScopeRemovedDoc struct {
	Name    string `json:"name"`
	Removed bool   `json:"removed"`
}

// VersionDoc is what version prints.
type VersionDoc struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
	SQLite  string `json:"sqlite"`
}

// Setting is one setting in keyward config's JSON: roles is a list, the
// rest are strings.
type Setting struct {
	Value  any    `json:"value"`
	Source string `json:"source"`
}

// ConfigDoc is keyward config's JSON: every setting with its source, and
// the config file read (null if none).
type ConfigDoc struct {
	DB          Setting `json:"db"`
	KeyPrefix   Setting `json:"key_prefix"`
	DefaultTTL  Setting `json:"default_ttl"`
	MaxTTL      Setting `json:"max_ttl"`
	TokenTTL    Setting `json:"token_ttl"`
	MaxTokenTTL Setting `json:"max_token_ttl"`
	Roles       Setting `json:"roles"`
	AdminRole   Setting `json:"admin_role"`
	Output      Setting `json:"output"`
	Engine      string  `json:"engine"` // sqlite or postgres
	ConfigFile  *string `json:"config_file"`
}
