package keys

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzImportLine checks that any line is either refused with an invalid
// error that does not echo a key, or gives an item create would accept.
func FuzzImportLine(f *testing.F) {
	f.Add([]byte(`{"alias":"ci-bot","roles":["agent"],"ttl":"30d"}`))
	f.Add([]byte(`{"alias":"girder","key":"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"}`))
	f.Add([]byte(`{"alias":"a","expires_at":"2026-12-01T00:00:00Z","name":"x"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		it, err := ParseImportLine(line, 1, testPolicy, testNow)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("code %s for %q", ErrorCode(err), line)
			}
			var fields struct{ Key string }
			if json.Unmarshal(line, &fields) == nil && len(fields.Key) >= 4 && strings.Contains(err.Error(), fields.Key) {
				t.Fatalf("error echoes the key: %v", err)
			}
			return
		}
		r := it.Request
		// What the scanner accepted, encoding/json reads the same way.
		var std struct{ Alias string }
		if err := json.Unmarshal(line, &std); err != nil || std.Alias != r.Alias {
			t.Fatalf("accepted %q as alias %q; encoding/json: %q, %v", line, r.Alias, std.Alias, err)
		}
		if ValidateAlias(r.Alias) != nil {
			t.Fatalf("accepted alias %q", r.Alias)
		}
		if r.Credential.Hash == "" || len(r.Credential.ID) != IDLen || r.Credential.Masked == "" {
			t.Fatalf("incomplete credential %+v", r.Credential)
		}
		if it.Imported == (r.Credential.String != "") {
			t.Fatalf("imported %v with key string %q", it.Imported, r.Credential.String)
		}
		if it.ExpiresAt != nil && (r.TTL != 0 || !it.ExpiresAt.After(testNow) || it.ExpiresAt.Sub(testNow) > testPolicy.MaxTTL) {
			t.Fatalf("expires_at %v with ttl %s", it.ExpiresAt, r.TTL)
		}
		if r.TTL != 0 && testPolicy.CheckTTL(r.TTL) != nil {
			t.Fatalf("accepted ttl %s", r.TTL)
		}
	})
}
