package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func testCreateStoresAKey(t *testing.T, e *env) {
	res := e.create("ci-bot", keys.Change{Owner: ptr("ops"), Roles: &[]string{"agent"}}, 2*time.Hour)
	k := res.Key
	if res.Renewed || res.Secret == "" || k.Alias != "ci-bot" || k.Name != "ci-bot" || k.Owner != "ops" {
		t.Fatalf("created %+v", res)
	}
	if !k.ExpiresAt.Equal(T0.Add(2*time.Hour)) || !k.CreatedAt.Equal(T0) || k.Status != keys.StatusActive {
		t.Errorf("times %v %v, status %s", k.CreatedAt, k.ExpiresAt, k.Status)
	}
	got := e.find("ci-bot")
	if keyLine(got) != keyLine(k) {
		t.Errorf("stored\n%s\nreturned\n%s", keyLine(got), keyLine(k))
	}
	if byID := e.find(k.ID); byID.Alias != "ci-bot" {
		t.Errorf("by id: %s", byID.Alias)
	}
	d := e.create("defaults", keys.Change{}, 0).Key
	if d.TTL != Policy.DefaultTTL || !slices.Equal(d.Scopes, []string{keys.AllScopes}) || d.TokenTTL != Policy.TokenTTL {
		t.Errorf("defaults: ttl %v scopes %v token ttl %v", d.TTL, d.Scopes, d.TokenTTL)
	}
}

// The store trusts no caller: what the command line would refuse, the
// store refuses too, and writes nothing.
func testCreateRefusesInvalidInput(t *testing.T, e *env) {
	e.create("kept", keys.Change{}, 0)
	before := e.snapshot()
	cred := keys.NewCredential("kw", keys.KindKey)
	for _, c := range []struct {
		reason string
		req    keys.CreateRequest
	}{
		{"invalid_alias", keys.CreateRequest{Alias: "Not An Alias!"}},
		{"invalid_alias", keys.CreateRequest{Alias: ""}},
		{"unknown_role", keys.CreateRequest{Alias: "a", Fields: keys.Change{Roles: &[]string{"wizard"}}}},
		{"invalid_name", keys.CreateRequest{Alias: "a", Fields: keys.Change{Name: ptr("   ")}}},
		{"invalid_owner", keys.CreateRequest{Alias: "a", Fields: keys.Change{Owner: ptr("a\x00b")}}},
		{"invalid_scope", keys.CreateRequest{Alias: "a", Fields: keys.Change{Scopes: &[]string{"Bad Scope"}}}},
		{"ttl_too_long", keys.CreateRequest{Alias: "a", TTL: 4 * Policy.MaxTTL}},
		{"invalid_duration", keys.CreateRequest{Alias: "a", TTL: time.Millisecond}},
		{"token_ttl_too_long", keys.CreateRequest{Alias: "a", Fields: keys.Change{TokenTTL: ptr(48 * time.Hour)}}},
		{"invalid_flags", keys.CreateRequest{Alias: "a", Reactivate: true}},
		{"invalid_credential", keys.CreateRequest{Alias: "a", Credential: keys.Credential{}}},
		{"invalid_credential", keys.CreateRequest{Alias: "a", Credential: keys.Credential{String: cred.String, ID: cred.ID, Hash: keys.Hash("other"), Masked: cred.Masked}}},
	} {
		if c.req.Credential.ID == "" && c.reason != "invalid_credential" {
			c.req.Credential = keys.NewCredential("kw", keys.KindKey)
		}
		_, err := e.s.CreateKey(ctx, c.req)
		wantErr(t, err, keys.EINVALID, c.reason)
	}
	e.unchanged(before, "an invalid create")
}

func testCreateAliasConflict(t *testing.T, e *env) {
	e.create("ci-bot", keys.Change{}, 0)
	before := e.snapshot()
	_, err := e.s.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", Credential: keys.NewCredential("kw", keys.KindKey)})
	if x := wantErr(t, err, keys.ECONFLICT, "alias_exists"); x.Alias != "ci-bot" || x.Values["status"] != "" {
		t.Errorf("alias %q values %v", x.Alias, x.Values)
	}
	e.unchanged(before, "a conflicting create")
	if _, err := e.s.RevokeKeys(ctx, []string{"ci-bot"}, ""); err != nil {
		t.Fatal(err)
	}
	before = e.snapshot()
	_, err = e.s.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", Credential: keys.NewCredential("kw", keys.KindKey)})
	if x := wantErr(t, err, keys.ECONFLICT, "alias_exists"); x.Values["status"] != "revoked" {
		t.Errorf("a revoked alias: values %v", x.Values)
	}
	e.unchanged(before, "a conflicting create")
	// An alias that spells another key's id is another key.
	first := e.create("first", keys.Change{}, 0).Key
	other := e.create(strings.ToLower(first.ID), keys.Change{}, 0)
	if other.Key.ID == first.ID || other.Renewed {
		t.Errorf("an alias spelling an id touched that key")
	}
}

func testCreateOrRenew(t *testing.T, e *env) {
	old := e.create("ci-bot", keys.Change{Owner: ptr("ops")}, time.Hour).Key
	e.clock.Advance(30 * time.Minute)
	res, err := e.s.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", OrRenew: true, TTL: 2 * time.Hour,
		Fields: keys.Change{Owner: ptr("sec")}, Credential: keys.NewCredential("kw", keys.KindKey)})
	if err != nil {
		t.Fatal(err)
	}
	k := res.Key
	if !res.Renewed || res.Secret != "" || k.ID != old.ID || k.Owner != "sec" || !k.ExpiresAt.Equal(e.clock.Now().Add(2*time.Hour)) {
		t.Errorf("or-renew gave %+v", res)
	}
	if keyLine(e.find("ci-bot")) != keyLine(k) {
		t.Errorf("or-renew returned what it did not store")
	}
	if _, err := e.s.RevokeKeys(ctx, []string{"ci-bot"}, "gone"); err != nil {
		t.Fatal(err)
	}
	before := e.snapshot()
	_, err = e.s.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", OrRenew: true, Credential: keys.NewCredential("kw", keys.KindKey)})
	if x := wantErr(t, err, keys.ECONFLICT, "key_revoked"); x.Alias != "ci-bot" {
		t.Errorf("alias %q", x.Alias)
	}
	e.unchanged(before, "or-renew of a revoked key")
	res, err = e.s.CreateKey(ctx, keys.CreateRequest{Alias: "ci-bot", OrRenew: true, Reactivate: true, Credential: keys.NewCredential("kw", keys.KindKey)})
	if err != nil || res.Key.Status != keys.StatusActive || res.Key.RevokedAt != nil || e.find("ci-bot").Status != keys.StatusActive {
		t.Errorf("reactivate: %v %+v", err, res.Key)
	}
}

func testCreateChecksGrants(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.addScope("root:all", true)
	before := e.snapshot()
	_, err := e.s.CreateKey(ctx, keys.CreateRequest{Alias: "a", Fields: keys.Change{Scopes: &[]string{"nope"}}, Credential: keys.NewCredential("kw", keys.KindKey)})
	if x := wantErr(t, err, keys.EINVALID, "unknown_scope"); x.Scope != "nope" {
		t.Errorf("scope %q", x.Scope)
	}
	_, err = e.s.CreateKey(ctx, keys.CreateRequest{Alias: "a", Fields: keys.Change{Scopes: &[]string{"root:all"}}, Credential: keys.NewCredential("kw", keys.KindKey)})
	if x := wantErr(t, err, keys.EINVALID, "admin_only_scope"); x.Scope != "root:all" || x.Role != "admin" {
		t.Errorf("scope %q role %q", x.Scope, x.Role)
	}
	e.unchanged(before, "a refused grant")
	k := e.create("root", keys.Change{Roles: &[]string{"admin"}, Scopes: &[]string{"root:all", "backup:read"}}, 0).Key
	if !slices.Equal(k.Scopes, []string{"backup:read", "root:all"}) {
		t.Errorf("scopes %v", k.Scopes)
	}
}

// A configuration whose roles do not include admin_role works: no key
// can be given an admin-only scope, and "*" never covers one.
func testAdminRoleNotConfigured(t *testing.T, e *env) {
	p := Policy
	p.Roles = []string{"agent", "reader"}
	s := e.with(p)
	if err := s.AddScope(ctx, keys.Scope{Name: "root:all", AdminOnly: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddScope(ctx, keys.Scope{Name: "backup:read"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "a", Fields: keys.Change{Roles: &[]string{"admin"}}, Credential: keys.NewCredential("kw", keys.KindKey)})
	wantErr(t, err, keys.EINVALID, "unknown_role")
	_, err = s.CreateKey(ctx, keys.CreateRequest{Alias: "a", Fields: keys.Change{Scopes: &[]string{"root:all"}}, Credential: keys.NewCredential("kw", keys.KindKey)})
	if x := wantErr(t, err, keys.EINVALID, "admin_only_scope"); x.Role != "" {
		t.Errorf("role %q named, but no configured role may hold the scope", x.Role)
	}
	res, err := s.CreateKey(ctx, keys.CreateRequest{Alias: "all", Credential: keys.NewCredential("kw", keys.KindKey)})
	if err != nil {
		t.Fatal(err)
	}
	v := e.verifier(s, p)
	got, err := v.Verify(ctx, keys.VerifyRequest{Credential: res.Secret, Scopes: []string{"backup:read"}})
	if err != nil || got.Code != keys.CodeValid {
		t.Errorf("a named scope under *: %v %s", err, got.Code)
	}
	got, err = v.Verify(ctx, keys.VerifyRequest{Credential: res.Secret, Scopes: []string{"root:all"}})
	if err != nil || got.Code != keys.CodeInsufficientScope {
		t.Errorf("an admin-only scope under *: %v %s", err, got.Code)
	}
	// A key given the admin role before the role left the configuration
	// holds no admin-only scope any more.
	adminKey, err := e.s.CreateKey(ctx, keys.CreateRequest{Alias: "old-admin", Fields: keys.Change{Roles: &[]string{"admin"}}, Credential: keys.NewCredential("kw", keys.KindKey)})
	if err != nil {
		t.Fatal(err)
	}
	got, err = v.Verify(ctx, keys.VerifyRequest{Credential: adminKey.Secret, Scopes: []string{"root:all"}})
	if err != nil || got.Code != keys.CodeInsufficientScope {
		t.Errorf("a stale admin key under *: %v %s", err, got.Code)
	}
}
