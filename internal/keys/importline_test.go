package keys

import (
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

func TestParseImportLineGenerated(t *testing.T) {
	it, err := ParseImportLine([]byte(`{"alias":"ci-bot","name":"  CI bot ","owner":"ops","roles":["user","agent","user"],"scopes":["b:read","a:read"],"ttl":"30d","description":null}`), 7, testPolicy, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if it.Line != 7 || it.Imported || it.ExpiresAt != nil {
		t.Errorf("line %d imported %v expires %v", it.Line, it.Imported, it.ExpiresAt)
	}
	r := it.Request
	if r.Alias != "ci-bot" || *r.Fields.Name != "CI bot" || *r.Fields.Owner != "ops" || r.Fields.Description != nil {
		t.Errorf("fields: %+v", r)
	}
	if got := strings.Join(*r.Fields.Roles, ","); got != "agent,user" {
		t.Errorf("roles %q, want normalized agent,user", got)
	}
	if got := strings.Join(*r.Fields.Scopes, ","); got != "a:read,b:read" {
		t.Errorf("scopes %q", got)
	}
	if r.TTL != 30*24*time.Hour {
		t.Errorf("ttl %s", r.TTL)
	}
	if _, shape := Parse(r.Credential.String); shape != Native || !strings.HasPrefix(r.Credential.String, "kw_"+r.Credential.ID+"_") {
		t.Errorf("generated key %q is not a valid keyward key", r.Credential.String)
	}
	if r.Credential.Hash != Hash(r.Credential.String) {
		t.Error("hash does not match the generated key")
	}
}

func TestParseImportLineEscapes(t *testing.T) {
	it, err := ParseImportLine([]byte(` { "alias" : "a\u002db" , "description":"two\nlines \"quoted\" \u00e9\ud83d\ude00", "roles" : [ ] } `), 1, testPolicy, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if it.Request.Alias != "a-b" || *it.Request.Fields.Description != "two\nlines \"quoted\" é😀" || len(*it.Request.Fields.Roles) != 0 {
		t.Errorf("alias %q description %q roles %v", it.Request.Alias, *it.Request.Fields.Description, *it.Request.Fields.Roles)
	}
}

func TestParseImportLineForeignKey(t *testing.T) {
	const key = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
	it, err := ParseImportLine([]byte(`{"alias":"girder","key":"`+key+`","expires_at":"2026-12-01T12:00:00+01:00"}`), 1, testPolicy, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c := it.Request.Credential
	if !it.Imported || c.String != "" || c.Hash != Hash(key) || c.Masked != "AbCd…" || len(c.ID) != IDLen || !isBase62(c.ID) {
		t.Errorf("credential %+v imported %v", c, it.Imported)
	}
	if want := time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC); it.ExpiresAt == nil || !it.ExpiresAt.Equal(want) || it.ExpiresAt.Location() != time.UTC {
		t.Errorf("expires_at %v, want %v in UTC", it.ExpiresAt, want)
	}
}

func TestParseImportLineKeywardKeyKeepsID(t *testing.T) {
	own := NewCredential("old", KindKey)
	it, err := ParseImportLine([]byte(`{"alias":"a","key":"`+own.String+`"}`), 1, testPolicy, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if c := it.Request.Credential; c.ID != own.ID || c.Masked != own.Masked || c.Hash != own.Hash {
		t.Errorf("got %+v, want the id, mask and hash of %+v", c, own)
	}
}

func TestParseImportLineErrors(t *testing.T) {
	kw := NewCredential("kw", KindKey).String
	badSum := kw[:len(kw)-1] + "0"
	if badSum == kw {
		badSum = kw[:len(kw)-1] + "1"
	}
	for _, tc := range []struct{ line, want string }{
		{`[1,2]`, "not a JSON object"},
		{`{"alias":"a"} {"alias":"b"}`, "not a JSON object"},
		{`null`, "not a JSON object"},
		{`{}`, "alias is required"},
		{`{"alias":null}`, "alias is required"},
		{`{"alias":"a","Alias":"b"}`, `unknown field "Alias"`},
		{`{"alias":"a","token_ttl":"1h"}`, `unknown field "token_ttl"`},
		{`{"alias":"a","alias":"b"}`, `field "alias" is given twice`},
		{`{"alias":"a",}`, "not a JSON object"},
		{`{"alias":"a","roles":["agent",]}`, `field "roles" must be an array of strings`},
		{"{\"alias\":\"a\",\"name\":\"\xff\"}", `field "name" must be a string`},
		{`{"alias":1}`, `field "alias" must be a string`},
		{`{"alias":"a","roles":"agent"}`, `field "roles" must be an array of strings`},
		{`{"alias":"a","scopes":[1]}`, `field "scopes" must be an array of strings`},
		{`{"alias":"A"}`, "invalid alias"},
		{`{"alias":"a","name":"  "}`, "name is empty"},
		{`{"alias":"a","roles":["wizard"]}`, `unknown role "wizard"`},
		{`{"alias":"a","scopes":["*","x:y"]}`, `cannot be combined`},
		{`{"alias":"a","ttl":"soon"}`, `ttl: invalid duration "soon"`},
		{`{"alias":"a","ttl":"91d"}`, "above max_ttl"},
		{`{"alias":"a","ttl":"1d","expires_at":"2027-01-01T00:00:00Z"}`, "either ttl or expires_at"},
		{`{"alias":"a","expires_at":"2026-11-23T06:00:00Z"}`, "is in the past"},
		{`{"alias":"a","expires_at":"2027-03-01T00:00:00Z"}`, "more than max_ttl 90d"},
		{`{"alias":"a","expires_at":"2027-01-01"}`, "not an RFC 3339 time"},
		{`{"alias":"a","key":"short"}`, "key is 5 bytes long"},
		{`{"alias":"a","key":"` + strings.Repeat("x", 257) + `"}`, "key is 257 bytes long"},
		{`{"alias":"a","key":"sixteen chars ok"}`, "not printable ASCII"},
		{`{"alias":"a","key":"` + badSum + `"}`, "bad checksum"},
	} {
		_, err := ParseImportLine([]byte(tc.line), 1, testPolicy, testNow)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.line, err, tc.want)
			continue
		}
		if ErrorCode(err) != EINVALID {
			t.Errorf("%s: code %s, want %s", tc.line, ErrorCode(err), EINVALID)
		}
		if strings.Contains(tc.line, `"key"`) && strings.Contains(err.Error(), `"key":`) {
			t.Errorf("error echoes the key: %v", err)
		}
	}
}

func TestReadImportNamesEveryBadLine(t *testing.T) {
	var in strings.Builder
	in.WriteString("{\"alias\":\"dup\"}\n\n")
	for i := 0; i < 25; i++ {
		in.WriteString("{\"alias\":\"dup\"}\n")
	}
	r := &ImportReader{Policy: testPolicy, Now: testNow}
	items, err := r.ReadImport(strings.NewReader(in.String()))
	if items != nil {
		t.Errorf("got %d items, want none", len(items))
	}
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "25 invalid line(s)") || !strings.Contains(msg, `line 3: alias "dup" is already on line 1`) ||
		!strings.Contains(msg, "line 22:") || strings.Contains(msg, "line 23:") || !strings.HasSuffix(msg, "; and 5 more") {
		t.Errorf("message %q", msg)
	}
}

func TestReadImportKeepsOrderAndSkipsBlankLines(t *testing.T) {
	var seen []int
	r := &ImportReader{Policy: testPolicy, Now: testNow, ProgressEvery: 2, Progress: func(n int) { seen = append(seen, n) }}
	items, err := r.ReadImport(strings.NewReader("{\"alias\":\"b\"}\r\n  \n{\"alias\":\"a\"}\n{\"alias\":\"c\"}"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Request.Alias+":"+string(rune('0'+it.Line)))
	}
	if strings.Join(got, " ") != "b:1 a:3 c:4" {
		t.Errorf("items %v", got)
	}
	if len(seen) != 2 || seen[0] != 2 || seen[1] != 4 {
		t.Errorf("progress %v, want [2 4]", seen)
	}
}

func TestReadImportLongLine(t *testing.T) {
	r := &ImportReader{Policy: testPolicy, Now: testNow}
	_, err := r.ReadImport(strings.NewReader("{\"alias\":\"a\"}\n{\"alias\":\"" + strings.Repeat("b", MaxImportLine) + "\"}\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2: line is longer than") {
		t.Errorf("got %v", err)
	}
}
