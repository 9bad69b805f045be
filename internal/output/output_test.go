package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/keys"
)

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		"", "plain", `quote " and backslash \`, "new\nline\r\ttab", "\x00\x01\x1f\x7f",
		"\b\f", "<html> & 'single'", "Ünïcødé 名前 🔑", "line\u2028sep\u2029para",
		"bad utf-8 \xff\xfe end", "\xc3", "trailing \\",
	}
	for c := 0; c < 0x80; c++ {
		cases = append(cases, "x"+string(rune(c))+"y")
	}
	for _, s := range cases {
		got := AppendString(nil, s)
		if !json.Valid(got) {
			t.Errorf("AppendString(%q) = %s: not valid JSON", s, got)
			continue
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		// encoding/json reads back the same string as from what it would
		// have written itself, whatever the choice of escapes; each invalid
		// UTF-8 byte becomes U+FFFD.
		var ref string
		enc, _ := json.Marshal(s)
		json.Unmarshal(enc, &ref)
		if back != ref || utf8.ValidString(s) && back != s {
			t.Errorf("AppendString(%q) = %s, reads back as %q; encoding/json gives %q", s, got, back, ref)
		}
		if mb, _ := Marshal(s); !bytes.Equal(got, mb) {
			t.Errorf("AppendString(%q) = %s, encoding/json writes %s", s, got, mb)
		}
		if bytes.ContainsAny(got, "\n\r\u2028\u2029") {
			t.Errorf("AppendString(%q) = %s keeps a line break", s, got)
		}
	}
}

func TestKeyObject(t *testing.T) {
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	revoked := now.Add(time.Hour)
	k := &keys.Key{
		ID: "AbCdEfGhIjKl", Alias: "ci-bot", Name: "CI \"bot\"", Description: "a\nb", Roles: []string{"agent"},
		Scopes: []string{"*"}, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(15 * 24 * time.Hour),
		RevokedAt: &revoked, RevokeReason: "leak", TTL: 15 * 24 * time.Hour, TokenTTL: time.Hour,
		Masked: "kw_AbCdEfGhIjKl_abcd…", Status: keys.StatusRevoked, Meta: keys.Meta{"env": "prod"},
	}
	b, err := Marshal(RevokedDoc{KeyDoc: NewKeyDoc(k)})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	want := map[string]any{
		"id": "AbCdEfGhIjKl", "alias": "ci-bot", "name": "CI \"bot\"", "description": "a\nb", "owner": "",
		"roles": []any{"agent"}, "scopes": []any{"*"}, "status": "revoked",
		"created_at": "2026-11-23T05:06:20Z", "updated_at": "2026-11-23T05:06:20Z", "expires_at": "2026-12-08T05:06:20Z",
		"last_used_at": nil, "revoked_at": "2026-11-23T06:06:20Z", "revoke_reason": "leak",
		"ttl_seconds": float64(1296000), "token_ttl_seconds": float64(3600), "masked": "kw_AbCdEfGhIjKl_abcd…",
		"imported": false, "meta": map[string]any{"env": "prod"}, "already_revoked": false,
	}
	for name, v := range want {
		got, ok := m[name]
		if !ok {
			t.Errorf("field %s missing", name)
			continue
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(v)
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s = %s, want %s", name, gb, wb)
		}
	}
	if len(m) != len(want) {
		t.Errorf("%d fields, want %d: %s", len(m), len(want), b)
	}
	// nil lists are [] and unset reasons null, never missing.
	b, _ = Marshal(NewKeyDoc(&keys.Key{}))
	if !bytes.Contains(b, []byte(`"roles":[],"scopes":[]`)) || !bytes.Contains(b, []byte(`"revoke_reason":null`)) || !bytes.Contains(b, []byte(`"meta":{}`)) {
		t.Errorf("empty key: %s", b)
	}
}

// testKeys are keys with every kind of field value.
func testKeys() []*keys.Key {
	now := time.Date(2026, 11, 23, 5, 6, 20, 0, time.UTC)
	used := now.Add(-time.Hour)
	return []*keys.Key{
		{},
		{ID: "AbCdEfGhIjKl", Alias: "ci-bot", Name: "CI \"bot\" <ops> & co", Description: "a\nb\tc\x00\b\f\u2028 \xff",
			Owner: "ops@example.com", Roles: []string{"agent", "user"}, Scopes: []string{"*", "backup:read"},
			CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(15 * 24 * time.Hour), LastUsedAt: &used,
			RevokedAt: &now, RevokeReason: "leaked \"here\"", TTL: 15 * 24 * time.Hour, TokenTTL: time.Hour,
			Masked: "kw_AbCdEfGhIjKl_abcd…", Imported: true, Status: keys.StatusRevoked,
			Meta: keys.Meta{"z": "last", "a": "<&> \"q\" é\u2028\n", "env": ""}},
		{ID: "x", Alias: "名前", Roles: []string{}, Scopes: nil, CreatedAt: now.In(time.FixedZone("X", 3600)),
			ExpiresAt: now, TTL: time.Second, Status: keys.StatusActive},
	}
}

// The list fast path writes exactly what encoding/json writes for the
// KeyDoc struct, field for field, in the same order.
func TestAppendKeyEqualsKeyDoc(t *testing.T) {
	var buf []byte
	for _, k := range testKeys() {
		buf = AppendKey(buf[:0], k)
		want, err := Marshal(NewKeyDoc(k))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf, want) {
			t.Errorf("AppendKey:\n got %s\nwant %s", buf, want)
		}
	}
}

// BenchmarkKeyJSON measures the list fast path against encoding/json of
// the same struct: the fast path is what list -o json pays per row.
func BenchmarkKeyJSON(b *testing.B) {
	k := testKeys()[1]
	b.Run("AppendKey", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = AppendKey(buf[:0], k)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := Marshal(NewKeyDoc(k)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestRelative(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{14 * 24 * time.Hour, "in 14d"},
		{14*24*time.Hour + 11*time.Hour, "in 14d"},
		{15*24*time.Hour - 5*time.Second, "in 15d"},
		{14*24*time.Hour + 23*time.Hour, "in 15d"},
		{-3 * time.Hour, "3h ago"},
		{-3*time.Hour - 29*time.Minute, "3h ago"},
		{-3*time.Hour - 59*time.Minute, "4h ago"},
		{90 * time.Second, "in 2m"},
		{89 * time.Second, "in 1m"},
		{59*time.Minute + 50*time.Second, "in 1h"},
		{23*time.Hour + 40*time.Minute, "in 1d"},
		{-45 * time.Second, "45s ago"},
		{30 * time.Minute, "in 30m"},
		{0, "now"},
		{500 * time.Millisecond, "now"},
		{-500 * time.Millisecond, "now"},
		{-400 * 24 * time.Hour, "400d ago"},
	} {
		if got := Relative(now.Add(tc.d), now); got != tc.want {
			t.Errorf("Relative(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestWhen(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	at := now.Add(14 * 24 * time.Hour)
	if got := When(&at, now, true); got != "in 14d" {
		t.Errorf("on a terminal: %q", got)
	}
	if got := When(&at, now, false); got != "2026-12-07T12:00:00Z" {
		t.Errorf("piped: %q", got)
	}
	local := at.In(time.FixedZone("X", 5*3600))
	if got := When(&local, now, false); got != "2026-12-07T12:00:00Z" {
		t.Errorf("a local time is written in UTC: %q", got)
	}
	if got := When(nil, now, false); got != "-" {
		t.Errorf("nil: %q", got)
	}
}

func TestTable(t *testing.T) {
	tbl := NewTable("ALIAS", "LAST USED", "NAME")
	tbl.Row("ci-bot", "-", "a")
	tbl.Row("b", "2026-12-07T12:00:00Z", "名前 with a longer name")
	tbl.Row("c", "", "")
	var out bytes.Buffer
	if err := tbl.Render(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		"ALIAS   LAST USED             NAME",
		"ci-bot  -                     a",
		"b       2026-12-07T12:00:00Z  名前 with a longer name",
		"c",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %q", out.String())
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
		if strings.HasSuffix(lines[i], " ") || strings.Contains(lines[i], "\t") {
			t.Errorf("line %d has trailing space or a tab: %q", i, lines[i])
		}
	}
	if tbl.Len() != 3 {
		t.Errorf("Len = %d", tbl.Len())
	}
}

func TestTableWithoutHeader(t *testing.T) {
	tbl := NewTable()
	tbl.Row("ALIAS", "ci-bot")
	tbl.Row("LAST USED", "-")
	var out bytes.Buffer
	if err := tbl.Render(&out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "ALIAS      ci-bot\nLAST USED  -\n" {
		t.Errorf("got %q", got)
	}
}

func TestTableHeaderOnlyAndWideCells(t *testing.T) {
	tbl := NewTable("name", "admin_only")
	var out bytes.Buffer
	if err := tbl.Render(&out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "NAME  ADMIN ONLY\n" {
		t.Errorf("header only: got %q", got)
	}
	// East-Asian wide characters count two columns, emoji too.
	tbl = NewTable()
	tbl.Row("日本語", "x")
	tbl.Row("ab", "y")
	tbl.Row("😀", "z")
	out.Reset()
	if err := tbl.Render(&out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "日本語  x\nab      y\n😀      z\n" {
		t.Errorf("wide cells: got %q", got)
	}
}
