package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func testRenewAndReactivate(t *testing.T, e *env) {
	old := e.create("ci-bot", keys.Change{}, time.Hour).Key
	e.clock.Advance(2 * time.Hour) // expired
	out, err := e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"ci-bot"}})
	if err != nil {
		t.Fatal(err)
	}
	if k := out[0]; !k.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) || k.Status != keys.StatusActive || k.ID != old.ID {
		t.Errorf("renewed %+v", k)
	}
	out, err = e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{old.ID}, TTL: 3 * time.Hour, Change: keys.Change{Name: ptr("CI bot")}})
	if err != nil || out[0].TTL != 3*time.Hour || out[0].Name != "CI bot" || e.find("ci-bot").TTL != 3*time.Hour {
		t.Errorf("renew with a ttl: %v %+v", err, out)
	}
	if _, err := e.s.RevokeKeys(ctx, []string{"ci-bot"}, "leaked"); err != nil {
		t.Fatal(err)
	}
	before := e.snapshot()
	_, err = e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"ci-bot"}})
	if x := wantErr(t, err, keys.ECONFLICT, "key_revoked"); x.Alias != "ci-bot" {
		t.Errorf("alias %q", x.Alias)
	}
	e.unchanged(before, "renewing a revoked key")
	out, err = e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"ci-bot"}, Reactivate: true})
	if err != nil {
		t.Fatal(err)
	}
	if k := e.find("ci-bot"); k.Status != keys.StatusActive || k.RevokedAt != nil || k.RevokeReason != "" || keyLine(k) != keyLine(out[0]) {
		t.Errorf("reactivated %s, returned %s", keyLine(k), keyLine(out[0]))
	}
	_, err = e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"nobody"}})
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	_, err = e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"Not An Alias!"}})
	wantErr(t, err, keys.EINVALID, "invalid_alias")
	_, err = e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"ci-bot"}, TTL: 4 * Policy.MaxTTL})
	wantErr(t, err, keys.EINVALID, "ttl_too_long")
}

// A key made for 60 days is not renewed for 60 more once max_ttl is 30
// days; given a TTL, it is.
func testRenewRefusesALoweredMaxTTL(t *testing.T, e *env) {
	e.create("long", keys.Change{}, 60*24*time.Hour)
	e.create("short", keys.Change{}, time.Hour)
	p := Policy
	p.MaxTTL = 30 * 24 * time.Hour
	s := e.with(p)
	e.clock.Advance(time.Hour)
	before := e.snapshot()
	_, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"short", "long"}})
	if x := wantErr(t, err, keys.EINVALID, "ttl_too_long"); x.Alias != "long" || x.Values["max_ttl"] != "30d" {
		t.Errorf("alias %q values %v", x.Alias, x.Values)
	}
	_, err = s.CreateKey(ctx, keys.CreateRequest{Alias: "long", OrRenew: true, Credential: keys.NewCredential("kw", keys.KindKey)})
	wantErr(t, err, keys.EINVALID, "ttl_too_long")
	for _, dry := range []bool{true, false} {
		_, err = s.RenewAll(ctx, keys.RenewAllRequest{DryRun: dry})
		if x := wantErr(t, err, keys.EINVALID, "ttl_too_long"); !strings.Contains(x.Message, "nothing was renewed") {
			t.Errorf("renew all: %s", x.Message)
		}
	}
	e.unchanged(before, "a refused renewal")
	out, err := s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"long"}, TTL: p.MaxTTL})
	if err != nil || out[0].TTL != p.MaxTTL {
		t.Errorf("renew with ttl: %v", err)
	}
}

// Renewing several keys is all or none.
func testRenewIsAllOrNone(t *testing.T, e *env) {
	e.create("a", keys.Change{}, time.Hour)
	e.create("b", keys.Change{}, time.Hour)
	if _, err := e.s.RevokeKeys(ctx, []string{"b"}, ""); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	before := e.snapshot()
	_, err := e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a", "b"}})
	wantErr(t, err, keys.ECONFLICT, "key_revoked")
	_, err = e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"a", "missing"}})
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	e.unchanged(before, "a refused batch")
}

func testRenewAll(t *testing.T, e *env) {
	e.create("soon", keys.Change{Owner: ptr("ops")}, time.Hour)
	e.create("later", keys.Change{Owner: ptr("ops")}, 10*24*time.Hour)
	e.create("other", keys.Change{Owner: ptr("dev"), Roles: &[]string{"agent"}}, time.Hour)
	e.create("gone", keys.Change{}, time.Hour)
	if _, err := e.s.RevokeKeys(ctx, []string{"gone"}, ""); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Minute)
	before := e.snapshot()
	out, err := e.s.RenewAll(ctx, keys.RenewAllRequest{ExpiringWithin: 24 * time.Hour, DryRun: true})
	if err != nil || aliases(out) != "other,soon" {
		t.Fatalf("dry run: %v %s", err, aliases(out))
	}
	e.unchanged(before, "a dry run")
	out, err = e.s.RenewAll(ctx, keys.RenewAllRequest{ExpiringWithin: 24 * time.Hour, Owner: ptr("ops")})
	if err != nil || aliases(out) != "soon" {
		t.Fatalf("owner ops: %v %s", err, aliases(out))
	}
	if k := e.find("soon"); !k.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) || keyLine(k) != keyLine(out[0]) {
		t.Errorf("stored %s, returned %s", keyLine(k), keyLine(out[0]))
	}
	out, err = e.s.RenewAll(ctx, keys.RenewAllRequest{Role: "agent"})
	if err != nil || aliases(out) != "other" {
		t.Errorf("role agent: %v %s", err, aliases(out))
	}
	_, err = e.s.RenewAll(ctx, keys.RenewAllRequest{Role: "wizard"})
	wantErr(t, err, keys.EINVALID, "unknown_role")
}

func testUpdate(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.addScope("root:all", true)
	old := e.create("ci-bot", keys.Change{}, time.Hour).Key
	e.clock.Advance(time.Minute)
	k, err := e.s.UpdateKey(ctx, "ci-bot", keys.Change{Description: ptr("builds"), Scopes: &[]string{"backup:read"}, TokenTTL: ptr(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if k.Description != "builds" || k.TokenTTL != 2*time.Hour || !k.ExpiresAt.Equal(old.ExpiresAt) || !k.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("updated %s", keyLine(k))
	}
	if keyLine(e.find("ci-bot")) != keyLine(k) {
		t.Errorf("update returned what it did not store")
	}
	before := e.snapshot()
	_, err = e.s.UpdateKey(ctx, "ci-bot", keys.Change{Scopes: &[]string{"root:all"}})
	wantErr(t, err, keys.EINVALID, "admin_only_scope")
	_, err = e.s.UpdateKey(ctx, "ci-bot", keys.Change{Scopes: &[]string{"unknown"}})
	wantErr(t, err, keys.EINVALID, "unknown_scope")
	_, err = e.s.UpdateKey(ctx, "ci-bot", keys.Change{Roles: &[]string{"wizard"}})
	wantErr(t, err, keys.EINVALID, "unknown_role")
	_, err = e.s.UpdateKey(ctx, "ci-bot", keys.Change{Name: ptr(" \t ")})
	wantErr(t, err, keys.EINVALID, "invalid_name")
	_, err = e.s.UpdateKey(ctx, "nobody", keys.Change{Owner: ptr("x")})
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	e.unchanged(before, "a refused update")
	if _, err := e.s.UpdateKey(ctx, "ci-bot", keys.Change{Roles: &[]string{"admin"}, Scopes: &[]string{"root:all"}}); err != nil {
		t.Errorf("an admin key with an admin-only scope: %v", err)
	}
}

func aliases(ks []*keys.Key) string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Alias)
	}
	return strings.Join(out, ",")
}
