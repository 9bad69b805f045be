package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func (e *env) mint(s keys.Store, p keys.Policy, key string, req keys.TokenRequest) (keys.TokenResult, error) {
	req.Token = keys.NewCredential("kw", keys.KindToken)
	return keys.MintFrom(ctx, &keys.Verifier{Policy: p, Finder: s, Now: e.clock.Now}, s, key, req)
}

func testMintToken(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.addScope("backup:write", false)
	e.addScope("root:all", true)
	key := e.create("ci-bot", keys.Change{TokenTTL: ptr(2 * time.Hour)}, 24*time.Hour).Secret
	res, err := e.mint(e.s, Policy, key, keys.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	tok := res.Token
	if !tok.ExpiresAt.Equal(T0.Add(Policy.TokenTTL)) || !slices.Equal(tok.Scopes, []string{"*"}) || tok.Alias != "ci-bot" || len(res.Warnings) != 0 {
		t.Errorf("default token %+v %v", tok, res.Warnings)
	}
	if n, err := e.s.ActiveTokens(ctx, tok.KeyID); err != nil || n != 1 {
		t.Errorf("active tokens %d %v", n, err)
	}
	res, err = e.mint(e.s, Policy, key, keys.TokenRequest{TTL: 5 * time.Hour, Scopes: []string{"backup:read"}})
	if err != nil || !res.Token.ExpiresAt.Equal(T0.Add(2*time.Hour)) || len(res.Warnings) != 1 || !slices.Equal(res.Token.Scopes, []string{"backup:read"}) {
		t.Errorf("capped at the key's token ttl: %v %+v %v", err, res.Token, res.Warnings)
	}
	res, err = e.mint(e.s, Policy, key, keys.TokenRequest{Scopes: []string{"*"}})
	if err != nil || !slices.Equal(res.Token.Scopes, []string{"*"}) {
		t.Errorf("* alone: %v %+v", err, res.Token)
	}
	e.clock.Advance(23*time.Hour + 30*time.Minute)
	res, err = e.mint(e.s, Policy, key, keys.TokenRequest{})
	if err != nil || !res.Token.ExpiresAt.Equal(T0.Add(24*time.Hour)) || len(res.Warnings) != 1 {
		t.Errorf("capped at the key's expiry: %v %+v %v", err, res.Token, res.Warnings)
	}
}

func testMintTokenRefusals(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.addScope("backup:write", false)
	e.addScope("root:all", true)
	key := e.create("ci-bot", keys.Change{Scopes: &[]string{"backup:read"}}, time.Hour).Secret
	all := e.create("all", keys.Change{}, time.Hour).Secret
	tok, err := e.mint(e.s, Policy, key, keys.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	before := e.snapshot()
	try := func(key string, req keys.TokenRequest) error {
		_, err := e.mint(e.s, Policy, key, req)
		return err
	}
	x := wantErr(t, try(key, keys.TokenRequest{Scopes: []string{"backup:write"}}), keys.EINVALID, "scope_not_held")
	if x.Alias != "ci-bot" || x.Scope != "backup:write" {
		t.Errorf("alias %q scope %q", x.Alias, x.Scope)
	}
	wantErr(t, try(all, keys.TokenRequest{Scopes: []string{"root:all"}}), keys.EINVALID, "admin_only_scope")
	wantErr(t, try(key, keys.TokenRequest{TTL: time.Millisecond}), keys.EINVALID, "invalid_duration")
	wantErr(t, try(key, keys.TokenRequest{Scopes: []string{"Bad"}}), keys.EINVALID, "invalid_scope")
	wantErr(t, try(tok.Secret, keys.TokenRequest{}), keys.EREJECTED, "token_not_key")
	wantErr(t, try(typo(key), keys.TokenRequest{}), keys.EREJECTED, "malformed")
	wantErr(t, try(keys.NewCredential("kw", keys.KindKey).String, keys.TokenRequest{}), keys.EREJECTED, "not_found")
	// The store checks what it is given, whoever calls it.
	_, err = e.s.MintToken(ctx, keys.TokenRequest{KeyID: "nope", Token: keys.NewCredential("kw", keys.KindToken)})
	wantErr(t, err, keys.EINVALID, "invalid_id")
	_, err = e.s.MintToken(ctx, keys.TokenRequest{KeyID: tok.Token.KeyID, Token: keys.Credential{ID: "x"}})
	wantErr(t, err, keys.EINVALID, "invalid_credential")
	_, err = e.s.MintToken(ctx, keys.TokenRequest{KeyID: keys.NewID(), Token: keys.NewCredential("kw", keys.KindToken)})
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	e.unchanged(before, "a refused token")

	e.clock.Advance(time.Hour)
	wantErr(t, try(key, keys.TokenRequest{}), keys.EREJECTED, "expired")
	_, err = e.s.MintToken(ctx, keys.TokenRequest{KeyID: tok.Token.KeyID, Token: keys.NewCredential("kw", keys.KindToken)})
	wantErr(t, err, keys.EREJECTED, "expired")
	if _, err := e.s.RevokeKeys(ctx, []string{"all"}, ""); err != nil {
		t.Fatal(err)
	}
	wantErr(t, try(all, keys.TokenRequest{}), keys.EREJECTED, "revoked")
}
