package keys

import (
	"strings"
	"testing"
	"time"
)

const previousHash = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

// withPrevious is restoreLine with a previous string ending at until.
func withPrevious(hash, until string) string {
	return strings.TrimSuffix(restoreLine, "}") + `,"previous_key_sha256":"` + hash + `","previous_valid_until":"` + until + `"}`
}

func TestParseRestorePrevious(t *testing.T) {
	it, err := ParseImportLine([]byte(withPrevious(previousHash, "2026-02-03T04:05:06Z")), 1, testPolicy, testNow)
	if err != nil {
		t.Fatal(err)
	}
	until := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	if it.PreviousHash() != previousHash || it.Restore.PreviousValidUntil == nil || !it.Restore.PreviousValidUntil.Equal(until) {
		t.Fatalf("restored previous string %+v", it.Restore)
	}
	if err := it.Validate(testPolicy, testNow); err != nil {
		t.Errorf("a restored previous string, past its grace, must validate: %v", err)
	}
	if k := it.Key(testPolicy, testNow); k.PreviousValidUntil == nil || !k.PreviousValidUntil.Equal(until) {
		t.Errorf("the key's previous_valid_until: %v", k.PreviousValidUntil)
	}
	// Ending with the key is allowed.
	if _, err := ParseImportLine([]byte(withPrevious(previousHash, "2026-03-01T00:00:00Z")), 1, testPolicy, testNow); err != nil {
		t.Errorf("a previous string ending with its key: %v", err)
	}
	// null is absent, as everywhere in a line.
	line := strings.TrimSuffix(restoreLine, "}") + `,"previous_key_sha256":null,"previous_valid_until":null}`
	if it, err := ParseImportLine([]byte(line), 1, testPolicy, testNow); err != nil || it.PreviousHash() != "" || it.Restore.PreviousValidUntil != nil {
		t.Errorf("null previous fields: %v %+v", err, it.Restore)
	}
}

func TestParseRestorePreviousRefusals(t *testing.T) {
	base := strings.TrimSuffix(restoreLine, "}")
	ownHash := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, c := range []struct{ line, want string }{
		{base + `,"previous_key_sha256":"` + previousHash + `"}`, "give both or neither"},
		{base + `,"previous_valid_until":"2026-02-03T04:05:06Z"}`, "give both or neither"},
		{withPrevious(strings.ToUpper(previousHash), "2026-02-03T04:05:06Z"), "previous_key_sha256 must be 64 lowercase hex"},
		{withPrevious(previousHash[:63], "2026-02-03T04:05:06Z"), "previous_key_sha256 must be 64 lowercase hex"},
		{withPrevious(ownHash, "2026-02-03T04:05:06Z"), "the same as key_sha256"},
		{withPrevious(previousHash, "2026-03-01T00:00:01Z"), "is after expires_at"},
		{withPrevious(previousHash, "soon"), "RFC 3339"},
		{`{"scope":"backup:read","previous_key_sha256":"` + previousHash + `"}`, "a scope line has only"},
		{`{"alias":"x","key":"legacy-key-0123456789abc","previous_key_sha256":"` + previousHash + `","previous_valid_until":"2026-02-03T04:05:06Z"}`, "needs key_sha256"},
	} {
		_, err := ParseImportLine([]byte(c.line), 1, testPolicy, testNow)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s\n got %v, want %q", c.line, err, c.want)
		}
	}
}

// A previous string given on two lines, or as another line's key, is an
// invalid line: a string belongs to one credential.
func TestImportReaderPreviousTwice(t *testing.T) {
	second := strings.NewReplacer(`"id":"Abcdefghijk1"`, `"id":"Abcdefghijk2"`, `"alias":"old-bot"`, `"alias":"other"`,
		`"key_sha256":"0123`, `"key_sha256":"9123`)
	for name, lines := range map[string][]string{
		"previous twice":          {withPrevious(previousHash, "2026-02-03T04:05:06Z"), second.Replace(withPrevious(previousHash, "2026-02-03T04:05:06Z"))},
		"previous, then as a key": {withPrevious(previousHash, "2026-02-03T04:05:06Z"), strings.Replace(second.Replace(restoreLine), `"key_sha256":"9123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"`, `"key_sha256":"`+previousHash+`"`, 1)},
		"a key, then as previous": {restoreLine, second.Replace(withPrevious("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "2026-02-03T04:05:06Z"))},
	} {
		ir := ImportReader{Policy: testPolicy, Now: testNow}
		_, err := ir.ReadImport(strings.NewReader(strings.Join(lines, "\n")))
		if err == nil || !strings.Contains(err.Error(), "line 2:") || !strings.Contains(err.Error(), "already on line 1") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestErrCredentialClashes(t *testing.T) {
	mk := func(line int, alias, hash, prev string) ImportItem {
		it := ImportItem{Line: line, Request: CreateRequest{Alias: alias, Credential: Credential{Hash: hash}}}
		if prev != "" {
			it.Restore = &Restored{PreviousHash: prev}
		}
		return it
	}
	items := []ImportItem{mk(1, "a", "h1", ""), mk(2, "b", "h2", "p2"), mk(3, "c", "h3", "")}
	err := ErrCredentialClashes(items, []CredentialClash{{Alias: "b", Hash: "p2"}, {Alias: "existing", Hash: "h3"}})
	var e *Error
	if !asError(err, &e) || e.Code != ECONFLICT || e.Reason != "import_conflict" ||
		!strings.Contains(e.Message, "line 2: the key's previous string is already in the database") ||
		!strings.Contains(e.Message, "line 3: the key is already in the database") || strings.Contains(e.Message, "line 1") {
		t.Errorf("%v", err)
	}
}
