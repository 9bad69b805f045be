package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// lineOf returns the export line of alias.
func lineOf(t *testing.T, lines []string, alias string) string {
	t.Helper()
	for _, l := range lines {
		if strings.Contains(l, `"alias":"`+alias+`"`) {
			return l
		}
	}
	t.Fatalf("no export line for %s in\n%s", alias, strings.Join(lines, "\n"))
	return ""
}

// A rotated key's previous string travels with an export: restored in
// another database it verifies VALID through its grace and EXPIRED
// after, mints tokens that end with it, and names its key, exactly as
// in the database it came from.
func testRotateExportRestores(t *testing.T, e *env) {
	first := e.create("ci-bot", keys.Change{}, 48*time.Hour).Secret
	legacy := "legacy-service-key-0123456789abcdef"
	if _, err := e.importLines(`{"alias":"old","key":"` + legacy + `"}`); err != nil {
		t.Fatal(err)
	}
	doneFirst := e.create("done", keys.Change{}, 48*time.Hour).Secret
	plain := e.create("plain", keys.Change{}, 48*time.Hour).Secret
	e.clock.Advance(time.Minute)
	r, err := e.rotate("ci-bot", 2*time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	until := e.clock.Now().Add(2 * time.Hour)
	rl, err := e.rotate("old", time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := e.rotate("done", 0, false) // its previous string ended at once
	if err != nil {
		t.Fatal(err)
	}

	lines := exportLines(t, e.s)
	want := fmt.Sprintf(`"key_sha256":%q,"previous_key_sha256":%q,"previous_valid_until":%q}`,
		keys.Hash(r.Secret), keys.Hash(first), until.Format(time.RFC3339))
	if l := lineOf(t, lines, "ci-bot"); !strings.HasSuffix(l, want) {
		t.Errorf("export of a rotated key: want it to end with\n%s\ngot\n%s", want, l)
	}
	if l := lineOf(t, lines, "done"); !strings.Contains(l, `"previous_key_sha256":"`+keys.Hash(doneFirst)+`"`) {
		t.Errorf("a previous string past its grace is exported too (it verifies EXPIRED): %s", l)
	}
	if l := lineOf(t, lines, "plain"); strings.Contains(l, "previous_") {
		t.Errorf("a key never rotated has no previous string: %s", l)
	}
	for _, l := range lines {
		for _, secret := range []string{first, legacy, doneFirst, plain, r.Secret, rl.Secret, rd.Secret} {
			if strings.Contains(l, secret) {
				t.Fatalf("an export line holds a key string: %s", l)
			}
		}
	}
	verdicts := func() string {
		var b strings.Builder
		for _, s := range []string{first, r.Secret, legacy, rl.Secret, doneFirst, rd.Secret, plain} {
			v := e.verify(s, nil, nil)
			fmt.Fprintf(&b, "%s %s %s until %v\n", v.Alias, v.Code, v.Kind, deref(v.ExpiresAt))
		}
		return b.String()
	}
	original := e.records() // before verifying records last use
	wantVerdicts := verdicts()

	// Into an empty database: every string keeps its verdict.
	e.s = e.fresh()(Policy)
	t.Cleanup(func() { e.s.Close() })
	if _, err := e.importLines(lines...); err != nil {
		t.Fatalf("import the export: %v", err)
	}
	if again := exportLines(t, e.s); strings.Join(again, "\n") != strings.Join(lines, "\n") {
		t.Errorf("exported again, the restored database differs:\nbefore:\n%s\nafter:\n%s", strings.Join(lines, "\n"), strings.Join(again, "\n"))
	}
	if got := e.records(); got != original {
		t.Errorf("restored records differ:\nbefore:\n%s\nafter:\n%s", original, got)
	}
	if got := verdicts(); got != wantVerdicts {
		t.Errorf("restored verdicts differ:\nbefore:\n%s\nafter:\n%s", wantVerdicts, got)
	}
	if v := e.verify(first, nil, nil); v.Code != keys.CodeValid || !v.ExpiresAt.Equal(until) {
		t.Errorf("restored previous string in its grace: %s until %v", v.Code, deref(v.ExpiresAt))
	}
	if v := e.verify(doneFirst, nil, nil); v.Code != keys.CodeExpired || v.Alias != "done" {
		t.Errorf("restored previous string past its grace: %s %s", v.Code, v.Alias)
	}
	sub, err := e.s.FindCredential(ctx, keys.Hash(first))
	if err != nil || sub == nil || sub.PreviousEnd() == nil || !sub.PreviousEnd().Equal(until) || sub.Key.Alias != "ci-bot" {
		t.Errorf("the restored previous string names its key and its end: %+v %v", sub, err)
	}

	// A token minted from it ends with it.
	e.clock.Advance(90 * time.Minute)
	tok, err := e.mint(e.s, Policy, first, keys.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Token.ExpiresAt.Equal(until) || len(tok.Warnings) != 1 || !strings.Contains(tok.Warnings[0], "rotation") {
		t.Errorf("token from the restored previous string: expires %v (string ends %v), warnings %q", tok.Token.ExpiresAt, until, tok.Warnings)
	}

	// After the grace: EXPIRED, like the original; the new string lives on.
	e.clock.Advance(30 * time.Minute)
	if c := e.code(first); c != keys.CodeExpired {
		t.Errorf("restored previous string after its grace: %s", c)
	}
	if c := e.code(r.Secret); c != keys.CodeValid {
		t.Errorf("restored current string after the grace: %s", c)
	}

	// The same export again: a conflict, nothing written.
	before := e.snapshot()
	_, err = e.importLines(lines...)
	wantErr(t, err, keys.ECONFLICT, "import_conflict")
	e.unchanged(before, "importing the same export again")

	// A restored previous string, even past its grace, revokes its key.
	if res, err := e.s.RevokeCredential(ctx, legacy, "leaked"); err != nil || res.Key.Alias != "old" {
		t.Errorf("revoke by the restored previous string: %v", err)
	}
	if c := e.code(rl.Secret); c != keys.CodeRevoked {
		t.Errorf("revoked by its previous string, the key's current string: %s", c)
	}
}

// A key renewed for less than its grace: its previous string stops with
// the key, and its export line says so, so that it imports.
func testRotateExportRenewedShorter(t *testing.T, e *env) {
	first := e.create("ci-bot", keys.Change{}, 48*time.Hour).Secret
	if _, err := e.rotate("ci-bot", 24*time.Hour, false); err != nil {
		t.Fatal(err)
	}
	ks, err := e.s.RenewKeys(ctx, keys.RenewRequest{Refs: []string{"ci-bot"}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	expires := ks[0].ExpiresAt
	v := e.verify(first, nil, nil)
	if v.Code != keys.CodeValid || !v.ExpiresAt.Equal(expires) {
		t.Fatalf("previous string of a key renewed shorter: %s until %v", v.Code, deref(v.ExpiresAt))
	}
	lines := exportLines(t, e.s)
	if l := lineOf(t, lines, "ci-bot"); !strings.Contains(l, `"previous_valid_until":"`+expires.Format(time.RFC3339)+`"`) {
		t.Errorf("the exported end of the previous string is the key's expiry %s: %s", expires.Format(time.RFC3339), l)
	}
	e.s = e.fresh()(Policy)
	t.Cleanup(func() { e.s.Close() })
	if _, err := e.importLines(lines...); err != nil {
		t.Fatalf("import the export: %v", err)
	}
	if got := e.verify(first, nil, nil); got.Code != keys.CodeValid || !got.ExpiresAt.Equal(expires) {
		t.Errorf("restored: %s until %v, want VALID until %v", got.Code, deref(got.ExpiresAt), expires)
	}
}

// A previous string that is already a credential of the database is a
// conflict, whichever way round; a store refuses an invalid one whoever
// calls it. Each refusal writes nothing.
func testImportPreviousRefusals(t *testing.T, e *env) {
	first := e.create("a", keys.Change{}, 48*time.Hour).Secret
	r, err := e.rotate("a", time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.mint(e.s, Policy, r.Secret, keys.TokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	expires := e.clock.Now().Add(24 * time.Hour).Format(time.RFC3339)
	until := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
	line := func(alias, hash, previous string) string {
		return fmt.Sprintf(`{"alias":%q,"id":%q,"key_sha256":%q,"expires_at":%q,"ttl_seconds":86400,"token_ttl_seconds":3600,`+
			`"previous_key_sha256":%q,"previous_valid_until":%q}`, alias, keys.NewID(), hash, expires, previous, until)
	}
	fresh := func() string { return keys.Hash(keys.NewCredential("kw", keys.KindKey).String) }
	before := e.snapshot()
	for _, c := range []struct {
		name, line, says string
	}{
		{"previous is a key's string", line("x", fresh(), keys.Hash(r.Secret)), "line 1: the key's previous string is already in the database"},
		{"previous is a key's previous string", line("x", fresh(), keys.Hash(first)), "line 1: the key's previous string is already in the database"},
		{"previous is a token", line("x", fresh(), keys.Hash(tok.Secret)), "line 1: the key's previous string is already in the database"},
		{"key is a key's previous string", line("x", keys.Hash(first), fresh()), "line 1: the key is already in the database"},
	} {
		_, err := e.importLines(`{"alias":"fine"}`, c.line)
		x := wantErr(t, err, keys.ECONFLICT, "import_conflict")
		if !strings.Contains(x.Message, strings.Replace(c.says, "line 1", "line 2", 1)) {
			t.Errorf("%s: %s", c.name, x.Message)
		}
		e.unchanged(before, c.name)
	}

	// What the parser refuses, a store refuses too.
	good, err := keys.ParseImportLine([]byte(line("y", fresh(), fresh())), 1, Policy, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	late := good.ExpiresAt.Add(time.Second)
	for name, spoil := range map[string]func(rs *keys.Restored){
		"upper-case hex":      func(rs *keys.Restored) { rs.PreviousHash = strings.ToUpper(rs.PreviousHash) },
		"same as key_sha256":  func(rs *keys.Restored) { rs.PreviousHash = good.Request.Credential.Hash },
		"after the key":       func(rs *keys.Restored) { rs.PreviousValidUntil = &late },
		"hash without an end": func(rs *keys.Restored) { rs.PreviousValidUntil = nil },
		"end without a hash":  func(rs *keys.Restored) { rs.PreviousHash = "" },
	} {
		it := good
		rs := *good.Restore
		spoil(&rs)
		it.Restore = &rs
		_, err := e.s.Import(ctx, []keys.ImportItem{it})
		wantErr(t, err, keys.EINVALID, "invalid_import")
		e.unchanged(before, name)
	}
	if _, err := e.s.Import(ctx, []keys.ImportItem{good}); err != nil {
		t.Errorf("the valid line: %v", err)
	}
}
