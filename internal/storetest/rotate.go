package storetest

import (
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func (e *env) rotate(ref string, grace time.Duration, endPrevious bool) (keys.RotateResult, error) {
	return e.s.RotateKey(ctx, keys.RotateRequest{Ref: ref, Grace: grace, EndPrevious: endPrevious, Prefix: "kw"})
}

func (e *env) code(cred string) keys.Code {
	e.t.Helper()
	return e.verify(cred, nil, nil).Code
}

func testRotate(t *testing.T, e *env) {
	first := e.create("ci-bot", keys.Change{}, 48*time.Hour)
	tok, err := e.mint(e.s, Policy, first.Secret, keys.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	r, err := e.rotate("ci-bot", time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	until := e.clock.Now().Add(time.Hour)
	k := r.Key
	if r.Secret == first.Secret || k.ID != first.Key.ID || k.Alias != "ci-bot" || !k.ExpiresAt.Equal(first.Key.ExpiresAt) ||
		k.Masked == first.Key.Masked || r.PreviousValidUntil == nil || !r.PreviousValidUntil.Equal(until) {
		t.Fatalf("rotated %+v", r)
	}
	if found := e.find("ci-bot"); keyLine(found) != keyLine(k) {
		t.Errorf("stored\n%s\nreturned\n%s", keyLine(found), keyLine(k))
	}
	if p, shape := keys.Parse(r.Secret); shape != keys.Native || p.ID != first.Key.ID {
		t.Errorf("new string %q is not keyward's, with the key's id", r.Secret)
	}
	v := e.verify(first.Secret, nil, nil)
	if v.Code != keys.CodeValid || !v.ExpiresAt.Equal(until) {
		t.Errorf("previous string in its grace: %s until %v", v.Code, v.ExpiresAt)
	}
	if c := e.code(r.Secret); c != keys.CodeValid {
		t.Errorf("new string: %s", c)
	}
	// Tokens minted before live on; the previous string still mints.
	if c := e.code(tok.Secret); c != keys.CodeValid {
		t.Errorf("token minted before the rotation: %s", c)
	}
	if _, err := e.mint(e.s, Policy, first.Secret, keys.TokenRequest{}); err != nil {
		t.Errorf("minting with the previous string in its grace: %v", err)
	}

	// A second rotation during the grace is refused, and changes nothing.
	before := e.snapshot()
	_, err = e.rotate("ci-bot", time.Hour, false)
	if x := wantErr(t, err, keys.ECONFLICT, "previous_in_grace"); x.Message == "" {
		t.Error("no message")
	}
	e.unchanged(before, "a refused rotation")
	if c := e.code(first.Secret); c != keys.CodeValid {
		t.Errorf("after a refused rotation the previous string: %s", c)
	}

	e.clock.Advance(time.Hour)
	if c := e.code(first.Secret); c != keys.CodeExpired {
		t.Errorf("previous string after its grace: %s", c)
	}
	if c := e.code(r.Secret); c != keys.CodeValid {
		t.Errorf("new string after the grace: %s", c)
	}
	_, err = e.mint(e.s, Policy, first.Secret, keys.TokenRequest{})
	wantErr(t, err, keys.EREJECTED, "expired")
	if sub, err := e.s.FindCredential(ctx, keys.Hash(first.Secret)); err != nil || sub == nil || sub.ValidUntil == nil || sub.Key.ID != k.ID {
		t.Errorf("the previous string is still found (to say EXPIRED): %+v %v", sub, err)
	}

	// Once the grace is over, rotating again is allowed; the oldest
	// string is forgotten.
	r2, err := e.rotate("ci-bot", 0, false)
	if err != nil || r2.PreviousValidUntil != nil {
		t.Fatalf("rotation with no grace: %v %+v", err, r2)
	}
	if c := e.code(r.Secret); c != keys.CodeExpired {
		t.Errorf("no grace: the replaced string %s", c)
	}
	if c := e.code(first.Secret); c != keys.CodeNotFound {
		t.Errorf("the oldest string: %s", c)
	}
}

func testRotateEndPrevious(t *testing.T, e *env) {
	first := e.create("ci-bot", keys.Change{}, 48*time.Hour).Secret
	r1, err := e.rotate("ci-bot", 24*time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := e.rotate("ci-bot", 2*time.Hour, true)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Rotation.EndedPrevious {
		t.Error("EndedPrevious not reported")
	}
	if e.code(first) != keys.CodeNotFound || e.code(r1.Secret) != keys.CodeValid || e.code(r2.Secret) != keys.CodeValid {
		t.Errorf("after end-previous: first %s, second %s, third %s", e.code(first), e.code(r1.Secret), e.code(r2.Secret))
	}
	// The grace never outlives the key.
	e.clock.Advance(47 * time.Hour)
	r3, err := e.rotate("ci-bot", 24*time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	if k := e.find("ci-bot"); r3.PreviousValidUntil == nil || !r3.PreviousValidUntil.Equal(k.ExpiresAt) {
		t.Errorf("grace past the key's expiry: %v, key expires %v", r3.PreviousValidUntil, k.ExpiresAt)
	}
}

func testRotateRefusals(t *testing.T, e *env) {
	key := e.create("gone", keys.Change{}, time.Hour).Secret
	e.create("old", keys.Change{}, time.Hour)
	r, err := e.rotate("gone", time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RevokeKeys(ctx, []string{"gone"}, ""); err != nil {
		t.Fatal(err)
	}
	if e.code(key) != keys.CodeRevoked || e.code(r.Secret) != keys.CodeRevoked {
		t.Errorf("revoking kills every string: %s %s", e.code(key), e.code(r.Secret))
	}
	e.clock.Advance(2 * time.Hour) // "old" expires
	before := e.snapshot()
	head := e.head()
	_, err = e.rotate("gone", time.Hour, true)
	wantErr(t, err, keys.ECONFLICT, "key_revoked")
	_, err = e.rotate("old", time.Hour, false)
	wantErr(t, err, keys.ECONFLICT, "key_expired")
	_, err = e.rotate("nobody", time.Hour, false)
	wantErr(t, err, keys.ENOTFOUND, "key_not_found")
	_, err = e.rotate("Bad Alias!", time.Hour, false)
	wantErr(t, err, keys.EINVALID, "invalid_alias")
	_, err = e.rotate("old", -time.Hour, false)
	wantErr(t, err, keys.EINVALID, "invalid_duration")
	_, err = e.s.RotateKey(ctx, keys.RotateRequest{Ref: "old", Prefix: "Not A Prefix"})
	wantErr(t, err, keys.EINVALID, "invalid_prefix")
	e.unchanged(before, "a refused rotation")
	if e.head() != head {
		t.Error("a refused rotation wrote an event")
	}
	// Reactivated, the key's previous string stays dead.
	if _, err := e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"gone"}, Reactivate: true}); err != nil {
		t.Fatal(err)
	}
	if e.code(key) != keys.CodeExpired || e.code(r.Secret) != keys.CodeValid {
		t.Errorf("after reactivation: previous %s, current %s", e.code(key), e.code(r.Secret))
	}
}

// An imported legacy key rotates to keyward's format; the legacy string
// works through the grace: the way off a foreign key format.
func testRotateLegacy(t *testing.T, e *env) {
	legacy := "legacy-service-key-0123456789abcdef"
	if _, err := e.importLines(`{"alias":"old","key":"` + legacy + `"}`); err != nil {
		t.Fatal(err)
	}
	r, err := e.rotate("old", time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	if k := e.find("old"); k.Imported || k.Masked != keys.Mask(r.Secret) {
		t.Errorf("after rotation: imported %v masked %s", k.Imported, k.Masked)
	}
	if e.code(legacy) != keys.CodeValid || e.code(r.Secret) != keys.CodeValid {
		t.Errorf("legacy %s new %s", e.code(legacy), e.code(r.Secret))
	}
	e.clock.Advance(time.Hour)
	if e.code(legacy) != keys.CodeExpired {
		t.Errorf("legacy after its grace: %s", e.code(legacy))
	}
	// Revoking by the legacy string still finds the key.
	if res, err := e.s.RevokeCredential(ctx, legacy, "leaked"); err != nil || res.Key.Alias != "old" {
		t.Errorf("revoke by the previous string: %v", err)
	}
}

func testMeta(t *testing.T, e *env) {
	set := func(m keys.Meta) keys.Change { return keys.Change{Meta: keys.MetaChange{Set: true, Meta: m}} }
	a := e.create("a", set(keys.Meta{"env": "prod", "team": "billing"}), time.Hour)
	e.create("b", set(keys.Meta{"env": "staging"}), time.Hour)
	e.create("c", keys.Change{}, time.Hour)
	if k := e.find("a"); !k.Meta.Equal(keys.Meta{"env": "prod", "team": "billing"}) {
		t.Errorf("stored meta %v", k.Meta)
	}
	if k := e.find("c"); k.Meta == nil || len(k.Meta) != 0 {
		t.Errorf("no labels: %v", k.Meta)
	}
	list := func(m keys.Meta) string {
		var out []*keys.Key
		if err := e.s.ListKeys(ctx, keys.Filter{Meta: m, Sort: "alias"}, func(k *keys.Key) error { out = append(out, k); return nil }); err != nil {
			t.Fatal(err)
		}
		return aliases(out)
	}
	if got := list(keys.Meta{"env": "prod"}); got != "a" {
		t.Errorf("--meta env=prod: %s", got)
	}
	if got := list(keys.Meta{"env": "prod", "team": "x"}); got != "" {
		t.Errorf("two labels must both match: %s", got)
	}
	if got := list(nil); got != "a,b,c" {
		t.Errorf("no filter: %s", got)
	}
	if v := e.verify(a.Secret, nil, nil); !v.Meta.Equal(keys.Meta{"env": "prod", "team": "billing"}) {
		t.Errorf("verify meta %v", v.Meta)
	}
	if k, err := e.s.UpdateKey(ctx, "a", set(keys.Meta{"env": "dev"})); err != nil || !k.Meta.Equal(keys.Meta{"env": "dev"}) {
		t.Errorf("update replaces the set: %v %v", err, k)
	}
	if k, err := e.s.UpdateKey(ctx, "a", keys.Change{Meta: keys.MetaChange{Clear: true}}); err != nil || len(e.find("a").Meta) != 0 {
		t.Errorf("clear: %v %v", err, k)
	}
	before := e.snapshot()
	_, err := e.s.UpdateKey(ctx, "b", set(keys.Meta{"Bad": "x"}))
	wantErr(t, err, keys.EINVALID, "invalid_meta")
	_, err = e.s.UpdateKey(ctx, "b", keys.Change{Meta: keys.MetaChange{Set: true, Clear: true, Meta: keys.Meta{"a": "b"}}})
	wantErr(t, err, keys.EINVALID, "invalid_flags")
	err = e.s.ListKeys(ctx, keys.Filter{Meta: keys.Meta{"a": "x\n"}}, func(*keys.Key) error { return nil })
	wantErr(t, err, keys.EINVALID, "invalid_meta")
	e.unchanged(before, "refused labels")
}

// Labels travel with an export into another database.
func testMetaExport(t *testing.T, e *env) {
	e.create("labelled", keys.Change{Meta: keys.MetaChange{Set: true, Meta: keys.Meta{"env": "prod", "team": "a b"}}}, time.Hour)
	lines := exportLines(t, e.s)
	e.s = e.fresh()(Policy)
	t.Cleanup(func() { e.s.Close() })
	if _, err := e.importLines(lines...); err != nil {
		t.Fatalf("import the export: %v\n%s", err, lines)
	}
	if k := e.find("labelled"); !k.Meta.Equal(keys.Meta{"env": "prod", "team": "a b"}) {
		t.Errorf("restored meta %v from %s", k.Meta, lines)
	}
	evs := e.events(keys.EventFilter{})
	if len(evs) != 1 || evs[0].Action != keys.ActionImport {
		t.Errorf("the restoring database logs the import: %s", actions(evs))
	}
}
