package keys

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseMeta(t *testing.T) {
	m, err := ParseMeta([]string{"env=prod", "team=billing", "url=https://x.example/?a=b", "note=", "a.b_c-9=é"})
	if err != nil {
		t.Fatal(err)
	}
	want := Meta{"env": "prod", "team": "billing", "url": "https://x.example/?a=b", "note": "", "a.b_c-9": "é"}
	if !m.Equal(want) {
		t.Fatalf("got %v, want %v", m, want)
	}
	if m, err := ParseMeta(nil); err != nil || m == nil || len(m) != 0 {
		t.Fatalf("no pairs: %v, %v", m, err)
	}

	sixteen := make([]string, 16)
	for i := range sixteen {
		sixteen[i] = fmt.Sprintf("k%d=v", i)
	}
	if _, err := ParseMeta(sixteen); err != nil {
		t.Fatalf("16 labels are allowed: %v", err)
	}
	if _, err := ParseMeta([]string{"a=" + strings.Repeat("é", 256)}); err != nil {
		t.Fatalf("256 characters are allowed: %v", err)
	}
	if _, err := ParseMeta([]string{strings.Repeat("a", 64) + "=v"}); err != nil {
		t.Fatalf("a 64-character name is allowed: %v", err)
	}

	key := NewCredential("kw", KindKey).String
	for name, pairs := range map[string][]string{
		"no equals":       {"env"},
		"empty name":      {"=prod"},
		"upper case":      {"Env=prod"},
		"leading digit":   {"1env=prod"},
		"leading dot":     {".env=prod"},
		"colon":           {"a:b=c"},
		"long name":       {strings.Repeat("a", 65) + "=v"},
		"long value":      {"a=" + strings.Repeat("x", 257)},
		"newline":         {"a=x\ny"},
		"tab":             {"a=x\ty"},
		"escape":          {"a=\x1b[31m"},
		"bad utf-8":       {"a=\xff"},
		"duplicate":       {"a=1", "a=2"},
		"seventeen":       append(sixteen[:16:16], "k16=v"),
		"a key as value":  {"note=" + key},
		"a key as a pair": {key},
	} {
		_, err := ParseMeta(pairs)
		if ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v, want invalid", name, err)
			continue
		}
		if strings.Contains(err.Error(), key) {
			t.Errorf("%s: the message repeats the key", name)
		}
	}
}

func TestMetaValidate(t *testing.T) {
	if err := (Meta{"env": "prod"}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Meta(nil)).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, m := range []Meta{{"Env": "x"}, {"env": "a\x00"}, {"": "x"}} {
		if ErrorCode(m.Validate()) != EINVALID {
			t.Errorf("%v accepted", m)
		}
	}
}

func TestMetaChange(t *testing.T) {
	before := Meta{"env": "prod", "team": "billing"}

	set, err := NewMetaChange([]string{"env=staging"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := set.Apply(before); !got.Equal(Meta{"env": "staging"}) {
		t.Fatalf("--meta replaces the whole set: got %v", got)
	}
	clear, err := NewMetaChange(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := clear.Apply(before); got == nil || len(got) != 0 {
		t.Fatalf("--clear-meta empties the set: got %v", got)
	}
	none, err := NewMetaChange(nil, false)
	if err != nil || !none.Empty() || set.Empty() || clear.Empty() {
		t.Fatalf("Empty: none %v set %v clear %v (%v)", none.Empty(), set.Empty(), clear.Empty(), err)
	}
	kept := none.Apply(before)
	if !kept.Equal(before) {
		t.Fatalf("no change keeps the set: got %v", kept)
	}
	kept["env"] = "changed"
	if before["env"] != "prod" {
		t.Fatal("Apply returned the caller's map, not a copy")
	}
	if _, err := NewMetaChange([]string{"a=b"}, true); ErrorCode(err) != EINVALID {
		t.Fatalf("set and clear together: %v", err)
	}
	if _, err := NewMetaChange([]string{"A=b"}, false); ErrorCode(err) != EINVALID {
		t.Fatalf("bad pair: %v", err)
	}
}

func TestImportLineMeta(t *testing.T) {
	it, err := ParseImportLine([]byte(`{"alias":"a","meta":{"env":"prod", "note":"x\u00e9=y"}}`), 1, testPolicy, testNow)
	if err != nil {
		t.Fatal(err)
	}
	k := it.Request.NewKey(testPolicy, testNow)
	if !k.Meta.Equal(Meta{"env": "prod", "note": "xé=y"}) {
		t.Fatalf("meta %v", k.Meta)
	}
	for _, line := range []string{`{"alias":"a","meta":null}`, `{"alias":"a","meta":{}}`, `{"alias":"a"}`} {
		it, err := ParseImportLine([]byte(line), 1, testPolicy, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if k := it.Request.NewKey(testPolicy, testNow); k.Meta == nil || len(k.Meta) != 0 {
			t.Fatalf("%s: meta %v, want {}", line, k.Meta)
		}
	}
	for _, line := range []string{
		`{"alias":"a","meta":"env=prod"}`,
		`{"alias":"a","meta":{"env":1}}`,
		`{"alias":"a","meta":{"env":["a"]}}`,
		`{"alias":"a","meta":{"Env":"x"}}`,
		`{"alias":"a","meta":{"env":"a","env":"b"}}`,
		`{"alias":"a","meta":{"env":"a\nb"}}`,
		`{"alias":"a","meta":{"env":"a"`,
	} {
		if _, err := ParseImportLine([]byte(line), 1, testPolicy, testNow); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v, want invalid", line, err)
		}
	}
}
