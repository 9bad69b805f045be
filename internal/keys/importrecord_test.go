package keys

import (
	"strings"
	"testing"
	"time"
)

const restoreLine = `{"id":"Abcdefghijk1","alias":"old-bot","name":"Old bot","description":"","owner":"ops","roles":["agent"],"scopes":["*"],` +
	`"status":"revoked","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-02-03T04:05:06Z","expires_at":"2026-03-01T00:00:00Z",` +
	`"last_used_at":"2026-02-01T00:00:00Z","revoked_at":"2026-02-03T04:05:06Z","revoke_reason":"leaked","ttl_seconds":2592000,` +
	`"token_ttl_seconds":7200,"masked":"kw_Abcdefghijk1_aBcD…","imported":false,` +
	`"key_sha256":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}`

func TestParseRestoreLine(t *testing.T) {
	it, err := ParseImportLine([]byte(restoreLine), 3, testPolicy, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c, r := it.Request.Credential, it.Restore
	if r == nil || it.Imported || c.String != "" || c.ID != "Abcdefghijk1" || c.Masked != "kw_Abcdefghijk1_aBcD…" ||
		c.Hash != "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" {
		t.Fatalf("credential %+v restore %+v", c, r)
	}
	if err := it.Validate(testPolicy, testNow); err != nil {
		t.Errorf("a restored line, expired and revoked, must validate: %v", err)
	}
	k := it.Key(testPolicy, testNow)
	want := func(name string, got, want time.Time) {
		if !got.Equal(want) {
			t.Errorf("%s %s, want %s", name, got, want)
		}
	}
	want("created_at", k.CreatedAt, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	want("updated_at", k.UpdatedAt, time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC))
	want("expires_at", k.ExpiresAt, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	want("last_used_at", *k.LastUsedAt, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	want("revoked_at", *k.RevokedAt, time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC))
	if k.Status != StatusRevoked || k.RevokeReason != "leaked" || k.TTL != 30*24*time.Hour || k.TokenTTL != 2*time.Hour ||
		k.Name != "Old bot" || k.Owner != "ops" || strings.Join(k.Roles, ",") != "agent" {
		t.Errorf("restored key %+v", k)
	}
}

func TestParseRestoreLineRefusals(t *testing.T) {
	base := strings.TrimSuffix(restoreLine, "}")
	for _, c := range []struct{ line, want string }{
		{strings.Replace(restoreLine, `,"key_sha256":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"`, "", 1), "needs key_sha256"},
		{base + `,"key":"legacy-key-0123456789abc"}`, "either key or key_sha256"},
		{base + `,"ttl":"30d"}`, "either ttl or ttl_seconds"},
		{strings.Replace(restoreLine, `"0123456789abcdef0123`, `"0123456789ABCDEF0123`, 1), "64 lowercase hex"},
		{strings.Replace(restoreLine, `"id":"Abcdefghijk1"`, `"id":"short"`, 1), "base62"},
		{strings.Replace(restoreLine, `"token_ttl_seconds":7200,`, "", 1), "token_ttl_seconds"},
		{strings.Replace(restoreLine, `"ttl_seconds":2592000`, `"ttl_seconds":0`, 1), "positive"},
		{strings.Replace(restoreLine, `"ttl_seconds":2592000`, `"ttl_seconds":"30d"`, 1), "must be an integer"},
		{strings.Replace(restoreLine, `"imported":false`, `"imported":"no"`, 1), "true or false"},
		{strings.Replace(restoreLine, `"revoked_at":"2026-02-03T04:05:06Z"`, `"revoked_at":null`, 1), "revoke_reason without revoked_at"},
		{strings.Replace(restoreLine, `"created_at":"2026-01-02T03:04:05Z"`, `"created_at":"yesterday"`, 1), "RFC 3339"},
		{strings.Replace(restoreLine, `"roles":["agent"]`, `"roles":["pilot"]`, 1), "pilot"},
	} {
		_, err := ParseImportLine([]byte(c.line), 1, testPolicy, testNow)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error with %q, got %v\n%s", c.want, err, c.line)
		}
	}
}

func TestParseScopeLine(t *testing.T) {
	it, err := ParseImportLine([]byte(`{"scope":"backup:read","description":"read backups","admin_only":true,"created_at":"2026-01-02T03:04:05Z"}`), 1, testPolicy, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if sc := it.Scope; sc == nil || sc.Name != "backup:read" || sc.Description != "read backups" || !sc.AdminOnly ||
		!sc.CreatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("scope item %+v", it.Scope)
	}
	for _, line := range []string{`{"scope":"Backup"}`, `{"scope":"a:b","alias":"x"}`, `{"scope":"a:b","key_sha256":"00"}`} {
		if _, err := ParseImportLine([]byte(line), 1, testPolicy, testNow); err == nil {
			t.Errorf("%s: want an error", line)
		}
	}
}

func TestImportReaderRefusesRepeatedRestores(t *testing.T) {
	second := strings.Replace(restoreLine, `"alias":"old-bot"`, `"alias":"other"`, 1)
	second = strings.Replace(second, `"id":"Abcdefghijk1"`, `"id":"Abcdefghijk2"`, 1)
	scope := `{"scope":"a:b"}`
	ir := &ImportReader{Policy: testPolicy, Now: testNow}
	_, err := ir.ReadImport(strings.NewReader(scope + "\n" + restoreLine + "\n" + second + "\n" + scope + "\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3: the same key is already on line 2") || !strings.Contains(err.Error(), `line 4: scope "a:b" is already on line 1`) {
		t.Errorf("got %v", err)
	}
}
