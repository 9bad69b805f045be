package keys

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var testRegistry = Registry{
	"backup:read":  {Name: "backup:read"},
	"backup:write": {Name: "backup:write"},
	"keys:admin":   {Name: "keys:admin", AdminOnly: true},
}

// t0 is the injected clock's "now" in every case below.
var t0 = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func testKey(mod func(*Key)) *Key {
	k := &Key{
		ID: "AAAAAAAAAAAA", Alias: "ci-bot",
		Roles:     []string{"agent"},
		Scopes:    []string{"backup:read"},
		CreatedAt: t0.Add(-time.Hour),
		ExpiresAt: t0.Add(time.Hour),
	}
	if mod != nil {
		mod(k)
	}
	return k
}

func keySubject(mod func(*Key)) *Subject { return &Subject{Kind: KindKey, Key: testKey(mod)} }

func tokenSubject(keyMod func(*Key), tokMod func(*Token)) *Subject {
	k := testKey(keyMod)
	t := &Token{
		ID: "TTTTTTTTTTTT", KeyID: k.ID, Alias: k.Alias,
		Scopes:    []string{"backup:read"},
		CreatedAt: t0.Add(-time.Minute),
		ExpiresAt: t0.Add(30 * time.Minute),
	}
	if tokMod != nil {
		tokMod(t)
	}
	return &Subject{Kind: KindToken, Key: k, Token: t}
}

// TestDecideOrder checks that each code wins over every later one: a
// credential failing several checks reports the first in the SPEC's order.
func TestDecideOrder(t *testing.T) {
	revoked := func(k *Key) { k.RevokedAt = ptr(t0.Add(-time.Minute)) }
	expired := func(k *Key) { k.ExpiresAt = t0.Add(-time.Second) }
	revokedExpired := func(k *Key) { revoked(k); expired(k) }
	wantAdmin := VerifyRequest{Roles: []string{"admin"}, Scopes: []string{"backup:write"}}

	tests := []struct {
		name string
		s    *Subject
		req  VerifyRequest
		want Code
	}{
		{"no subject", nil, wantAdmin, CodeNotFound},
		{"revoked beats expired, role and scope", keySubject(revokedExpired), wantAdmin, CodeRevoked},
		{"revoked alone", keySubject(revoked), VerifyRequest{}, CodeRevoked},
		{"expired beats role and scope", keySubject(expired), wantAdmin, CodeExpired},
		{"expires exactly now", keySubject(func(k *Key) { k.ExpiresAt = t0 }), VerifyRequest{}, CodeExpired},
		{"one second left", keySubject(func(k *Key) { k.ExpiresAt = t0.Add(time.Second) }), VerifyRequest{}, CodeValid},
		{"role beats scope", keySubject(nil), wantAdmin, CodeInsufficientRole},
		{"one of two roles missing", keySubject(nil), VerifyRequest{Roles: []string{"agent", "user"}}, CodeInsufficientRole},
		{"scope missing", keySubject(nil), VerifyRequest{Roles: []string{"agent"}, Scopes: []string{"backup:write"}}, CodeInsufficientScope},
		{"everything held", keySubject(nil), VerifyRequest{Roles: []string{"agent"}, Scopes: []string{"backup:read"}}, CodeValid},
		{"nothing required", keySubject(nil), VerifyRequest{}, CodeValid},

		{"token of a revoked key", tokenSubject(revoked, nil), VerifyRequest{}, CodeRevoked},
		{"revoked token of a reactivated key", tokenSubject(nil, func(tk *Token) { tk.RevokedAt = ptr(t0.Add(-time.Hour)) }), VerifyRequest{}, CodeRevoked},
		{"revoked token beats its expiry", tokenSubject(nil, func(tk *Token) {
			tk.RevokedAt = ptr(t0.Add(-time.Hour))
			tk.ExpiresAt = t0.Add(-time.Minute)
		}), VerifyRequest{}, CodeRevoked},
		{"token past its own expiry", tokenSubject(nil, func(tk *Token) { tk.ExpiresAt = t0 }), VerifyRequest{}, CodeExpired},
		{"token of an expired key", tokenSubject(expired, nil), VerifyRequest{}, CodeExpired},
		{"token holds its key's roles", tokenSubject(nil, nil), VerifyRequest{Roles: []string{"agent"}}, CodeValid},
		{"token lacks a role its key lacks", tokenSubject(nil, nil), wantAdmin, CodeInsufficientRole},
		{"token valid", tokenSubject(nil, nil), VerifyRequest{Scopes: []string{"backup:read"}}, CodeValid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testPolicy.Decide(t0, tt.s, testRegistry, tt.req)
			if v.Code != tt.want {
				t.Fatalf("Decide = %s, want %s", v.Code, tt.want)
			}
			if v.Valid != (tt.want == CodeValid) {
				t.Errorf("Valid = %v with code %s", v.Valid, v.Code)
			}
		})
	}
}

// TestDecideClock moves the injected clock across a token's expiry and
// then its key's: the earlier of the two ends the token.
func TestDecideClock(t *testing.T) {
	s := tokenSubject(func(k *Key) { k.ExpiresAt = t0.Add(time.Hour) }, func(tk *Token) { tk.ExpiresAt = t0.Add(10 * time.Minute) })
	for _, c := range []struct {
		at   time.Duration
		want Code
	}{{0, CodeValid}, {10*time.Minute - time.Second, CodeValid}, {10 * time.Minute, CodeExpired}, {2 * time.Hour, CodeExpired}} {
		if got := testPolicy.Decide(t0.Add(c.at), s, nil, VerifyRequest{}).Code; got != c.want {
			t.Errorf("at +%s: %s, want %s", c.at, got, c.want)
		}
	}
	v := testPolicy.Decide(t0, s, nil, VerifyRequest{})
	if v.ExpiresAt == nil || !v.ExpiresAt.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("ExpiresAt = %v, want the token's own expiry", v.ExpiresAt)
	}

	// The key expiring first ends the token with it.
	s.Key.ExpiresAt = t0.Add(5 * time.Minute)
	if got := testPolicy.Decide(t0.Add(5*time.Minute), s, nil, VerifyRequest{}).Code; got != CodeExpired {
		t.Errorf("token past its key's expiry: %s, want EXPIRED", got)
	}
	v = testPolicy.Decide(t0, s, nil, VerifyRequest{})
	if !v.ExpiresAt.Equal(t0.Add(5 * time.Minute)) {
		t.Errorf("ExpiresAt = %v, want the key's expiry", v.ExpiresAt)
	}
}

func TestDecideReports(t *testing.T) {
	v := testPolicy.Decide(t0, tokenSubject(nil, nil), nil, VerifyRequest{})
	if v.Kind != KindToken || v.ID != "TTTTTTTTTTTT" || v.KeyID != "AAAAAAAAAAAA" || v.Alias != "ci-bot" {
		t.Errorf("token verification = %+v, want the token's id, its key's id and alias", v)
	}
	// Known even when not valid.
	v = testPolicy.Decide(t0, keySubject(func(k *Key) { k.RevokedAt = ptr(t0) }), nil, VerifyRequest{})
	if v.Valid || v.Kind != KindKey || v.Alias != "ci-bot" || !slices.Equal(v.Roles, []string{"agent"}) || v.ExpiresAt == nil {
		t.Errorf("revoked key verification = %+v, want what is known of it", v)
	}
	if v.Touch {
		t.Error("an invalid check must not record last_used_at")
	}
}

func TestDecideWildcard(t *testing.T) {
	all := func(roles ...string) func(*Key) {
		return func(k *Key) { k.Scopes, k.Roles = []string{AllScopes}, roles }
	}
	tests := []struct {
		name  string
		s     *Subject
		scope string
		want  Code
	}{
		{"* holds a registered scope", keySubject(all("agent")), "backup:write", CodeValid},
		{"* of a non-admin lacks an admin-only scope", keySubject(all("agent")), "keys:admin", CodeInsufficientScope},
		{"* of an admin holds an admin-only scope", keySubject(all("admin")), "keys:admin", CodeValid},
		{"* does not hold an unregistered scope", keySubject(all("admin")), "reports:read", CodeInsufficientScope},
		{"token * holds its key's", tokenSubject(all("agent"), func(tk *Token) { tk.Scopes = []string{AllScopes} }), "backup:write", CodeValid},
		{"token narrowed under *", tokenSubject(all("agent"), nil), "backup:write", CodeInsufficientScope},
		{"token's admin-only scope after its key lost admin", tokenSubject(all("agent"), func(tk *Token) { tk.Scopes = []string{"keys:admin"} }), "keys:admin", CodeInsufficientScope},
		{"token's scope the key no longer names", tokenSubject(func(k *Key) { k.Scopes = []string{"backup:write"} }, nil), "backup:read", CodeInsufficientScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := VerifyRequest{Scopes: []string{tt.scope}}
			var reg Registry
			if NeedsRegistry(tt.s, req) {
				reg = testRegistry
			}
			if got := testPolicy.Decide(t0, tt.s, reg, req).Code; got != tt.want {
				t.Fatalf("Decide = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDecideTokenScopesReported(t *testing.T) {
	s := tokenSubject(func(k *Key) { k.Scopes = []string{"backup:read"} }, func(tk *Token) { tk.Scopes = []string{"backup:read", "backup:write"} })
	if v := testPolicy.Decide(t0, s, nil, VerifyRequest{}); !slices.Equal(v.Scopes, []string{"backup:read"}) {
		t.Errorf("Scopes = %v, want only what the key still holds", v.Scopes)
	}
	s = tokenSubject(func(k *Key) { k.Scopes = []string{"backup:read", "backup:write"} }, func(tk *Token) { tk.Scopes = []string{AllScopes} })
	if v := testPolicy.Decide(t0, s, nil, VerifyRequest{}); !slices.Equal(v.Scopes, []string{"backup:read", "backup:write"}) {
		t.Errorf("Scopes = %v, want the key's", v.Scopes)
	}
}

func TestNeedsRegistry(t *testing.T) {
	star := func(k *Key) { k.Scopes = []string{AllScopes} }
	withScope := VerifyRequest{Scopes: []string{"backup:read"}}
	tests := []struct {
		name string
		s    *Subject
		req  VerifyRequest
		want bool
	}{
		{"not found", nil, withScope, false},
		{"named key", keySubject(nil), withScope, false},
		{"* key, no scope asked", keySubject(star), VerifyRequest{}, false},
		{"* key, scope asked", keySubject(star), withScope, true},
		{"named token of * key", tokenSubject(star, nil), VerifyRequest{}, true},
		{"* token of * key, no scope asked", tokenSubject(star, func(tk *Token) { tk.Scopes = []string{AllScopes} }), VerifyRequest{}, false},
		{"named token of named key", tokenSubject(nil, nil), withScope, false},
	}
	for _, tt := range tests {
		if got := NeedsRegistry(tt.s, tt.req); got != tt.want {
			t.Errorf("%s: NeedsRegistry = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestDecideTouch checks the at-most-once-a-minute rule for last_used_at.
func TestDecideTouch(t *testing.T) {
	for _, c := range []struct {
		lastUsed *time.Time
		want     bool
	}{
		{nil, true},
		{ptr(t0.Add(-59 * time.Second)), false},
		{ptr(t0.Add(-time.Minute)), true},
		{ptr(t0.Add(-time.Hour)), true},
	} {
		s := keySubject(func(k *Key) { k.LastUsedAt = c.lastUsed })
		if got := testPolicy.Decide(t0, s, nil, VerifyRequest{}).Touch; got != c.want {
			t.Errorf("last used %v: Touch = %v, want %v", c.lastUsed, got, c.want)
		}
	}
}

// TestParseShape is the first check, made without the database.
func TestParseShape(t *testing.T) {
	key := NewCredential("kw", KindKey).String
	tok := NewCredential("kw", KindToken).String
	typo := []byte(key)
	i := strings.LastIndexByte(key, '_') + 1
	if typo[i] == 'a' {
		typo[i] = 'b'
	} else {
		typo[i] = 'a'
	}
	for _, c := range []struct {
		name, s string
		want    ShapeResult
	}{
		{"key", key, Native},
		{"token", tok, Native},
		{"one-character typo", string(typo), Malformed},
		{"truncated checksum becomes foreign", key[:len(key)-1], Foreign},
		{"15 bytes", strings.Repeat("x", 15), Malformed},
		{"16 bytes", strings.Repeat("x", 16), Foreign},
		{"256 bytes", strings.Repeat("x", 256), Foreign},
		{"257 bytes", strings.Repeat("x", 257), Malformed},
		{"space inside", "abcdefgh ijklmnopq", Malformed},
		{"non-ASCII", "abcdefghijklmnopé", Malformed},
		{"girder-style", "9fA3kQ7zLm2XwR8tYb4NcV6pH1sJ0dGeUoKiZyTa", Foreign},
	} {
		if _, got := Parse(c.s); got != c.want {
			t.Errorf("%s: Parse = %d, want %d", c.name, got, c.want)
		}
	}
	if p, _ := Parse(tok); !p.MaybeToken() {
		t.Errorf("token %q not recognised as a possible token", tok)
	}
}
