package storetest

import (
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func testFindAndList(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.create("b-active", keys.Change{Scopes: &[]string{"backup:read"}}, 2*time.Hour)
	e.create("a-expiring", keys.Change{Owner: ptr("ops")}, time.Hour)
	e.create("c-revoked", keys.Change{}, time.Hour)
	if _, err := e.s.RevokeKeys(ctx, []string{"c-revoked"}, ""); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(90 * time.Minute)
	list := func(f keys.Filter) string {
		t.Helper()
		var out []*keys.Key
		if err := e.s.ListKeys(ctx, f, func(k *keys.Key) error { out = append(out, k); return nil }); err != nil {
			t.Fatal(err)
		}
		return aliases(out)
	}
	for _, c := range []struct {
		f    keys.Filter
		want string
	}{
		{keys.Filter{Sort: "alias"}, "a-expiring,b-active"},
		{keys.Filter{AllStatuses: true, Sort: "alias", Desc: true}, "c-revoked,b-active,a-expiring"},
		{keys.Filter{Status: keys.StatusExpired}, "a-expiring"},
		{keys.Filter{Status: keys.StatusRevoked}, "c-revoked"},
		{keys.Filter{Owner: ptr("ops")}, "a-expiring"},
		{keys.Filter{Scope: "backup:read", Sort: "alias"}, "a-expiring,b-active"}, // "*" covers it
		{keys.Filter{AllStatuses: true, Sort: "alias", Limit: 1, Offset: 1}, "b-active"},
	} {
		if got := list(c.f); got != c.want {
			t.Errorf("%+v: %s, want %s", c.f, got, c.want)
		}
	}
	if k := e.find("a-expiring"); k.Status != keys.StatusExpired {
		t.Errorf("status %s at %v", k.Status, e.clock.Now())
	}
	err := e.s.ListKeys(ctx, keys.Filter{Sort: "size"}, func(*keys.Key) error { return nil })
	wantErr(t, err, keys.EINVALID, "invalid_sort")
	err = e.s.ListKeys(ctx, keys.Filter{Limit: -1}, func(*keys.Key) error { return nil })
	wantErr(t, err, keys.EINVALID, "usage")
	_, err = e.s.FindKey(ctx, "nobody")
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	_, err = e.s.FindKey(ctx, keys.NewCredential("kw", keys.KindKey).String)
	wantErr(t, err, keys.EINVALID, "secret_in_argument")
	_, err = e.s.ActiveTokens(ctx, "not an id")
	wantErr(t, err, keys.EINVALID, "invalid_id")
}

func testRevoke(t *testing.T, e *env) {
	e.create("a", keys.Change{}, 0)
	e.create("b", keys.Change{}, 0)
	before := e.snapshot()
	_, err := e.s.RevokeKeys(ctx, []string{"a", "missing"}, "")
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	_, err = e.s.RevokeKeys(ctx, []string{"a"}, "bad\x00reason")
	wantErr(t, err, keys.EINVALID, "invalid_reason")
	_, err = e.s.RevokeKeys(ctx, nil, "")
	wantErr(t, err, keys.EINVALID, "usage")
	e.unchanged(before, "a refused revoke")
	e.clock.Advance(time.Minute)
	out, err := e.s.RevokeKeys(ctx, []string{"a", "b", "a"}, "rotated")
	if err != nil || len(out) != 2 {
		t.Fatalf("revoke: %v %d", err, len(out))
	}
	k := e.find("a")
	if k.Status != keys.StatusRevoked || k.RevokeReason != "rotated" || !k.RevokedAt.Equal(e.clock.Now()) || keyLine(k) != keyLine(out[0].Key) {
		t.Errorf("revoked %s, returned %s", keyLine(k), keyLine(out[0].Key))
	}
	e.clock.Advance(time.Minute)
	out, err = e.s.RevokeKeys(ctx, []string{"a"}, "again")
	if err != nil || !out[0].AlreadyRevoked || e.find("a").RevokeReason != "rotated" {
		t.Errorf("revoking twice: %v %+v", err, out)
	}
}

func testRevokeCredential(t *testing.T, e *env) {
	key := e.create("ci-bot", keys.Change{}, 0).Secret
	tok, err := keys.MintFrom(ctx, e.verifier(e.s, Policy), e.s, key, keys.TokenRequest{Token: keys.NewCredential("kw", keys.KindToken)})
	if err != nil {
		t.Fatal(err)
	}
	before := e.snapshot()
	_, err = e.s.RevokeCredential(ctx, tok.Secret, "")
	if x := wantErr(t, err, keys.EINVALID, "token_not_key"); x.Alias != "ci-bot" {
		t.Errorf("alias %q", x.Alias)
	}
	_, err = e.s.RevokeCredential(ctx, typo(key), "")
	wantErr(t, err, keys.EINVALID, "malformed_key")
	_, err = e.s.RevokeCredential(ctx, keys.NewCredential("kw", keys.KindKey).String, "")
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	e.unchanged(before, "a refused revoke")
	r, err := e.s.RevokeCredential(ctx, key, "leaked")
	if err != nil || r.Key.Alias != "ci-bot" || e.find("ci-bot").Status != keys.StatusRevoked {
		t.Fatalf("revoke by string: %v", err)
	}
	v, err := e.verifier(e.s, Policy).Verify(ctx, keys.VerifyRequest{Credential: tok.Secret})
	if err != nil || v.Code != keys.CodeRevoked {
		t.Errorf("the key's token after revocation: %v %s", err, v.Code)
	}
}

func testScopes(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.clock.Advance(time.Minute)
	e.addScope("root:all", true)
	before := e.snapshot()
	err := e.s.AddScope(ctx, keys.Scope{Name: "backup:read"})
	if x := wantErr(t, err, keys.ECONFLICT, "scope_exists"); x.Scope != "backup:read" {
		t.Errorf("scope %q", x.Scope)
	}
	wantErr(t, e.s.AddScope(ctx, keys.Scope{Name: "Bad Name"}), keys.EINVALID, "invalid_scope")
	wantErr(t, e.s.AddScope(ctx, keys.Scope{Name: "ok", Description: "a\x01b"}), keys.EINVALID, "invalid_description")
	wantErr(t, e.s.RemoveScope(ctx, "missing"), keys.ENOTFOUND, "scope_not_found")
	wantErr(t, e.s.RemoveScope(ctx, "*"), keys.EINVALID, "invalid_scope")
	e.unchanged(before, "a refused scope change")

	e.create("reader", keys.Change{Scopes: &[]string{"backup:read"}}, 0)
	e.create("gone", keys.Change{Scopes: &[]string{"backup:read"}}, 0)
	if _, err := e.s.RevokeKeys(ctx, []string{"gone"}, ""); err != nil {
		t.Fatal(err)
	}
	scopes, err := e.s.Scopes(ctx)
	if err != nil || len(scopes) != 2 || scopes[0].Name != "backup:read" || scopes[0].Keys != 1 || !scopes[1].AdminOnly || !scopes[1].CreatedAt.Equal(T0.Add(time.Minute)) {
		t.Fatalf("scopes %v %+v", err, scopes)
	}
	err = e.s.RemoveScope(ctx, "backup:read")
	if x := wantErr(t, err, keys.ECONFLICT, "scope_in_use"); x.Scope != "backup:read" {
		t.Errorf("scope %q: %s", x.Scope, x.Message)
	}
	if _, err := e.s.RevokeKeys(ctx, []string{"reader"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RemoveScope(ctx, "backup:read"); err != nil {
		t.Errorf("a scope only revoked keys name: %v", err)
	}
	if reg, err := e.s.Registry(ctx); err != nil || len(reg) != 1 || !reg["root:all"].AdminOnly {
		t.Errorf("registry %v %v", err, reg)
	}
}
