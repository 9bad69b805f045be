package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
)

// export returns the export lines of s.
func exportLines(t *testing.T, s keys.Store) []string {
	t.Helper()
	var lines []string
	err := s.Export(ctx,
		func(sc keys.Scope) error { lines = append(lines, string(output.ExportScope(nil, sc))); return nil },
		func(k *keys.Key, hash, previousHash string) error {
			if !keys.IsHash(hash) || previousHash != "" && !keys.IsHash(previousHash) {
				t.Errorf("export of %s: hash %q, previous %q", k.Alias, hash, previousHash)
			}
			lines = append(lines, string(output.ExportKey(nil, k, hash, previousHash)))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

// Export gives every key, revoked and expired ones too, with its hash,
// and the registry; imported into an empty database, the lines restore
// every record as it was and every key string keeps its verdict.
// Importing them a second time conflicts and writes nothing.
func testExportRestores(t *testing.T, e *env) {
	e.addScope("backup:read", false)
	e.addScope("ops:admin", true)
	admin := e.create("admin-bot", keys.Change{Roles: &[]string{"admin"}, Scopes: &[]string{"ops:admin"}}, 0).Secret
	plain := e.create("plain", keys.Change{Scopes: &[]string{"backup:read"}}, 0).Secret
	revoked := e.create("leaked", keys.Change{}, 0).Secret
	if _, err := e.s.RevokeKeys(ctx, []string{"leaked"}, "found in a log"); err != nil {
		t.Fatal(err)
	}
	short := e.create("short", keys.Change{}, time.Hour).Secret
	legacy := "legacy-key-from-another-system-0123"
	if _, err := e.importLines(`{"alias":"legacy","key":"` + legacy + `","owner":"ops"}`); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Minute)
	e.verify(plain, nil, nil)  // records last use
	e.clock.Advance(time.Hour) // short has expired
	lines := exportLines(t, e.s)
	if len(lines) != 7 || !strings.HasPrefix(lines[0], `{"scope":"backup:read"`) || !strings.HasPrefix(lines[1], `{"scope":"ops:admin"`) {
		t.Fatalf("export: want 2 scopes then 5 keys, got\n%s", strings.Join(lines, "\n"))
	}
	for i, alias := range []string{"admin-bot", "plain", "leaked", "short", "legacy"} {
		if !strings.Contains(lines[2+i], `"alias":"`+alias+`"`) {
			t.Errorf("line %d: want %s, in the order created\n%s", 3+i, alias, lines[2+i])
		}
	}
	for _, l := range lines {
		for _, secret := range []string{admin, plain, revoked, short, legacy} {
			if strings.Contains(l, secret) {
				t.Fatalf("an export line holds a key string: %s", l)
			}
		}
	}

	// Into an empty database.
	original := e.records()
	e.s = e.fresh()(Policy)
	t.Cleanup(func() { e.s.Close() })
	if _, err := e.importLines(lines...); err != nil {
		t.Fatalf("import the export: %v", err)
	}
	if got := e.records(); got != original {
		t.Errorf("restored records differ:\nbefore:\n%s\nafter:\n%s", original, got)
	}
	for _, c := range []struct {
		key  string
		want keys.Code
	}{{admin, keys.CodeValid}, {plain, keys.CodeValid}, {revoked, keys.CodeRevoked}, {short, keys.CodeExpired}, {legacy, keys.CodeValid}} {
		if v := e.verify(c.key, nil, nil); v.Code != c.want {
			t.Errorf("restored %s: %s, want %s", v.Alias, v.Code, c.want)
		}
	}
	if again := exportLines(t, e.s); strings.Join(again, "\n") == strings.Join(lines, "\n") {
		t.Errorf("verifying recorded no last use on the restored keys")
	}

	before := e.snapshot()
	_, err := e.importLines(lines...)
	wantErr(t, err, keys.ECONFLICT, "import_conflict")
	e.unchanged(before, "importing the same export again")
}
