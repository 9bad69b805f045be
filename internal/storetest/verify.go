package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func (e *env) verify(cred string, roles, scopes []string) keys.Verification {
	e.t.Helper()
	v, err := e.verifier(e.s, Policy).Verify(ctx, keys.VerifyRequest{Credential: cred, Roles: roles, Scopes: scopes})
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func testVerify(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.addScope("backup:write", false)
	res := e.create("ci-bot", keys.Change{Roles: &[]string{"agent"}, Scopes: &[]string{"backup:read"}}, time.Hour)
	key := res.Secret
	for _, c := range []struct {
		cred          string
		roles, scopes []string
		want          keys.Code
	}{
		{key, nil, nil, keys.CodeValid},
		{key, []string{"agent"}, []string{"backup:read"}, keys.CodeValid},
		{key, []string{"admin"}, nil, keys.CodeInsufficientRole},
		{key, nil, []string{"backup:write"}, keys.CodeInsufficientScope},
		{typo(key), nil, nil, keys.CodeMalformed},
		{"short", nil, nil, keys.CodeMalformed},
		{keys.NewCredential("kw", keys.KindKey).String, nil, nil, keys.CodeNotFound},
		{"an-imported-key-from-elsewhere-0123456789", nil, nil, keys.CodeNotFound},
	} {
		if v := e.verify(c.cred, c.roles, c.scopes); v.Code != c.want || v.Valid != (c.want == keys.CodeValid) {
			t.Errorf("%q roles %v scopes %v: %s, want %s", c.cred, c.roles, c.scopes, v.Code, c.want)
		}
	}
	v := e.verify(key, nil, nil)
	if v.Kind != keys.KindKey || v.ID != res.Key.ID || v.Alias != "ci-bot" || !v.ExpiresAt.Equal(res.Key.ExpiresAt) || !slices.Equal(v.Scopes, []string{"backup:read"}) {
		t.Errorf("verdict %+v", v)
	}
	e.clock.Advance(time.Hour)
	if v := e.verify(key, nil, nil); v.Code != keys.CodeExpired {
		t.Errorf("expired: %s", v.Code)
	}
	if _, err := e.s.RevokeKeys(ctx, []string{"ci-bot"}, ""); err != nil {
		t.Fatal(err)
	}
	if v := e.verify(key, nil, nil); v.Code != keys.CodeRevoked {
		t.Errorf("revoked: %s", v.Code)
	}
	// The finder itself judges nothing: a revoked key is found.
	sub, err := e.s.FindCredential(ctx, keys.Hash(key))
	if err != nil || sub == nil || sub.Kind != keys.KindKey || sub.Key.RevokedAt == nil {
		t.Errorf("find: %v %+v", err, sub)
	}
	if sub, err := e.s.FindCredential(ctx, keys.Hash("nothing")); err != nil || sub != nil {
		t.Errorf("find nothing: %v %+v", err, sub)
	}
	_, err = e.s.FindCredential(ctx, "not a hash")
	wantErr(t, err, keys.EINVALID, "invalid_hash")
}

func testVerifyTokens(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.addScope("backup:write", false)
	key := e.create("ci-bot", keys.Change{}, 24*time.Hour).Secret
	res, err := e.mint(e.s, Policy, key, keys.TokenRequest{Scopes: []string{"backup:read", "backup:write"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := res.Secret
	v := e.verify(tok, nil, []string{"backup:write"})
	if v.Code != keys.CodeValid || v.Kind != keys.KindToken || v.ID != res.Token.ID || v.KeyID != res.Token.KeyID {
		t.Errorf("token %+v", v)
	}
	sub, err := e.s.FindCredential(ctx, keys.Hash(tok))
	if err != nil || sub.Kind != keys.KindToken || sub.Token.ID != res.Token.ID || sub.Key.Alias != "ci-bot" {
		t.Errorf("find token: %v %+v", err, sub)
	}
	// Narrowing the key narrows its live tokens.
	if _, err := e.s.UpdateKey(ctx, "ci-bot", keys.Change{Scopes: &[]string{"backup:read"}}); err != nil {
		t.Fatal(err)
	}
	if v := e.verify(tok, nil, []string{"backup:write"}); v.Code != keys.CodeInsufficientScope {
		t.Errorf("after narrowing the key: %s", v.Code)
	}
	e.clock.Advance(time.Hour)
	if v := e.verify(tok, nil, nil); v.Code != keys.CodeExpired {
		t.Errorf("expired token: %s", v.Code)
	}
	fresh, err := e.mint(e.s, Policy, key, keys.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RevokeKeys(ctx, []string{"ci-bot"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"ci-bot"}, Reactivate: true}); err != nil {
		t.Fatal(err)
	}
	if v := e.verify(key, nil, nil); v.Code != keys.CodeValid {
		t.Errorf("reactivated key: %s", v.Code)
	}
	if v := e.verify(fresh.Secret, nil, nil); v.Code != keys.CodeRevoked {
		t.Errorf("a token of a revoked key after reactivation: %s", v.Code)
	}
}

func testTouchOncePerInterval(t *testing.T, e *env) {
	key := e.create("ci-bot", keys.Change{}, 24*time.Hour).Secret
	if e.find("ci-bot").LastUsedAt != nil {
		t.Fatal("a new key was used")
	}
	e.verify(key, []string{"admin"}, nil) // invalid: no use recorded
	if e.find("ci-bot").LastUsedAt != nil {
		t.Error("an invalid verification recorded a use")
	}
	e.verify(key, nil, nil)
	if got := e.find("ci-bot").LastUsedAt; got == nil || !got.Equal(T0) {
		t.Fatalf("last used %v", got)
	}
	e.clock.Advance(keys.LastUsedInterval - time.Second)
	e.verify(key, nil, nil)
	if got := e.find("ci-bot").LastUsedAt; !got.Equal(T0) {
		t.Errorf("recorded again within the interval: %v", got)
	}
	e.clock.Advance(time.Second)
	e.verify(key, nil, nil)
	if got := e.find("ci-bot").LastUsedAt; !got.Equal(e.clock.Now()) {
		t.Errorf("not recorded after the interval: %v", got)
	}
	// Touch itself is conditional: an older time never overwrites.
	e.s.Touch(ctx, e.find("ci-bot").ID, T0)
	if got := e.find("ci-bot").LastUsedAt; !got.Equal(e.clock.Now()) {
		t.Errorf("an older touch overwrote: %v", got)
	}
	e.s.Touch(ctx, "no-such-key0", e.clock.Now()) // best effort: nothing to say
}
