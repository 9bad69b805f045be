package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileInput: input an attacker or a broken script might send.
// Each case gets its documented exit code and, when it fails, one error
// line, no panic, and a database left exactly as it was.
func TestHostileInput(t *testing.T) {
	const sqlDrop = `'; DROP TABLE keys; --`
	long := func(n int, c string) string { return strings.Repeat(c, n) }
	cases := []struct {
		name   string
		args   []string
		stdin  string
		config string // YAML for a --config file
		code   int
		says   string // in the error line, or on stdout for exit 0
	}{
		// SQL in every text field and filter: refused or inert.
		{name: "sql in alias", args: []string{"create", "x" + sqlDrop}, code: 2, says: "invalid alias"},
		{name: "sql in show ref", args: []string{"show", "' OR 1=1 --"}, code: 2, says: "neither an alias nor a key id"},
		{name: "sql in revoke ref", args: []string{"revoke", "base' OR '1'='1"}, code: 2, says: "neither an alias nor a key id"},
		{name: "sql in renew ref", args: []string{"renew", "base", "x'); UPDATE keys SET revoked_at = 1; --"}, code: 2, says: "neither an alias nor a key id"},
		{name: "sql in update ref", args: []string{"update", "1 OR 1=1", "--owner", "x"}, code: 2, says: "neither an alias nor a key id"},
		{name: "sql in list search", args: []string{"list", "--search", "%' OR '1'='1", "-o", "json"}, code: 0, says: "[]"},
		{name: "sql in list owner", args: []string{"list", "--owner", "' OR 1=1 --", "-o", "json"}, code: 0, says: "[]"},
		{name: "like wildcards in search", args: []string{"list", "--search", "%_%", "-o", "json"}, code: 0, says: "[]"},
		{name: "sql in renew --all owner", args: []string{"renew", "--all", "--owner", "x' OR 'a'='a", "-o", "json"}, code: 0, says: "[]"},
		{name: "sql in list role", args: []string{"list", "--role", "admin' OR 1=1 --"}, code: 2, says: "unknown role"},
		{name: "sql in list scope", args: []string{"list", "--scope", "x') OR 1=1 --"}, code: 2, says: "invalid scope name"},
		{name: "sql in list sort", args: []string{"list", "--sort", "alias; DROP TABLE keys"}, code: 2, says: "unknown sort"},
		{name: "sql in list status", args: []string{"list", "--status", "active' OR '1'='1"}, code: 2, says: "unknown status"},
		{name: "sql in scope", args: []string{"create", "x", "--scope", "a'); DROP TABLE scopes; --"}, code: 2, says: "invalid scope name"},
		{name: "sql in role", args: []string{"create", "x", "--role", "admin\"); --"}, code: 2, says: "unknown role"},
		{name: "sql in ttl", args: []string{"create", "x", "--ttl", "1d; DROP TABLE keys"}, code: 2, says: "invalid duration"},
		{name: "sql on stdin", args: []string{"revoke", "--key-file", "-"}, stdin: "' OR 1=1; DELETE FROM keys; --\n", code: 2, says: "malformed"},

		// Sizes.
		{name: "5000-character alias", args: []string{"create", long(5000, "a")}, code: 2, says: "invalid alias"},
		{name: "5000-character show ref", args: []string{"show", long(5000, "b")}, code: 2, says: "neither an alias nor a key id"},
		// Linux refuses a single argument over 128 KiB before keyward
		// runs; this is the largest description a shell can pass.
		{name: "128 KiB description", args: []string{"create", "x", "--description", long(128<<10-1, "d")}, code: 2, says: "at most 1000"},
		{name: "1001-character description", args: []string{"create", "x", "--description", long(1001, "é")}, code: 2, says: "at most 1000"},
		{name: "201-character name", args: []string{"create", "x", "--name", long(201, "n")}, code: 2, says: "at most 200"},
		{name: "100 kB credential on stdin", args: []string{"revoke", "--key-file", "-"}, stdin: long(100_000, "A") + "\n", code: 2, says: "malformed"},

		// Control characters.
		{name: "tab in name", args: []string{"create", "x", "--name", "a\tb"}, code: 2, says: "control character"},
		{name: "newline in owner", args: []string{"create", "x", "--owner", "a\nb"}, code: 2, says: "control character"},
		{name: "escape sequence in name", args: []string{"create", "x", "--name", "\x1b[31mred"}, code: 2, says: "control character"},
		{name: "newline in revoke reason", args: []string{"revoke", "base", "--reason", "a\rb"}, code: 2, says: "control character"},
		{name: "invalid utf-8 in name", args: []string{"create", "x", "--name", "a\xffb"}, code: 2, says: "not valid UTF-8"},
		{name: "NUL and binary on stdin", args: []string{"revoke", "--key-file", "-"}, stdin: "kw_\x00\x01\x02\xff\xfe binary\x00\n", code: 2, says: "malformed"},
		{name: "only NULs on stdin", args: []string{"revoke", "--key-file", "-"}, stdin: "\x00\x00\x00", code: 2, says: "malformed"},
		{name: "empty stdin", args: []string{"revoke", "--key-file", "-"}, stdin: "", code: 2, says: "no key"},

		// Numbers.
		{name: "overflowing limit", args: []string{"list", "--limit", "99999999999999999999"}, code: 2, says: "--limit"},
		{name: "negative limit", args: []string{"list", "--limit", "-1"}, code: 2, says: "--limit"},
		{name: "float offset", args: []string{"list", "--offset", "1e9999"}, code: 2, says: "--offset"},
		{name: "overflowing ttl", args: []string{"create", "x", "--ttl", "99999999999999999999d"}, code: 2, says: "invalid duration"},
		{name: "largest ttl", args: []string{"create", "x", "--ttl", "9223372036854775807ns"}, code: 2, says: "above max_ttl"},
		{name: "zero ttl", args: []string{"create", "x", "--ttl", "0s"}, code: 2, says: "invalid duration"},
		{name: "negative ttl", args: []string{"renew", "base", "--ttl", "-5d"}, code: 2, says: "invalid duration"},
		{name: "overflowing token ttl", args: []string{"update", "base", "--token-ttl", "1e400h"}, code: 2, says: "invalid duration"},
		{name: "overflowing expiring-within", args: []string{"list", "--expiring-within", "999999999999w"}, code: 2, says: "invalid duration"},

		// Paths, enums and flags.
		{name: "empty --db", args: []string{"--db", "", "list"}, code: 2, says: "db is empty"},
		{name: "--db is a directory", args: []string{"--db", os.TempDir(), "list"}, code: 1, says: "is a directory"},
		{name: "--db is a device", args: []string{"--db", "/dev/null", "list"}, code: 1, says: "not a regular file"},
		{name: "unknown output", args: []string{"list", "-o", "yaml"}, code: 2, says: "not table or json"},
		{name: "unknown status", args: []string{"list", "--status", "deleted"}, code: 2, says: "unknown status"},
		{name: "unknown sort", args: []string{"list", "--sort", "random"}, code: 2, says: "unknown sort"},
		{name: "unknown role", args: []string{"create", "x", "--role", "superuser"}, code: 2, says: "unknown role"},
		{name: "unregistered scope", args: []string{"create", "x", "--scope", "backup:read"}, code: 2, says: "unknown scope"},
		{name: "wildcard mixed with scopes", args: []string{"create", "x", "--scope", "*", "--scope", "backup:read"}, code: 2, says: "cannot be combined"},
		{name: "unknown flag", args: []string{"create", "x", "--colour", "red"}, code: 2, says: "unknown flag"},
		{name: "unknown command", args: []string{"destroy", "base"}, code: 2, says: "unknown command"},
		{name: "conflicting duplicate ttl", args: []string{"create", "x", "--ttl", "1d", "--ttl", "90d"}, code: 2, says: "--ttl is given twice"},
		{name: "conflicting duplicate name", args: []string{"update", "base", "--name", "a", "--name", "b"}, code: 2, says: "--name is given twice"},
		{name: "conflicting duplicate output", args: []string{"list", "-o", "json", "--output", "table"}, code: 2, says: "--output is given twice"},
		{name: "conflicting duplicate db", args: []string{"--db", "a.db", "--db", "b.db", "list"}, code: 2, says: "--db is given twice"},

		// Configuration files.
		{name: "config default_ttl is a list", config: "default_ttl: [1,2]\n", args: []string{"list"}, code: 2, says: "default_ttl must be a single value"},
		{name: "config roles is a number", config: "roles: 5\n", args: []string{"list"}, code: 2, says: "roles must be a list"},
		{name: "config key_prefix is a map", config: "key_prefix: {a: 1}\n", args: []string{"create", "x"}, code: 2, says: "unknown setting"},
		{name: "config max_ttl is a bool", config: "max_ttl: true\n", args: []string{"list"}, code: 2, says: "max_ttl is not a positive duration"},
		{name: "config is not YAML", config: ": : :\n\t- [x\n", args: []string{"list"}, code: 2, says: "does not parse as YAML"},
		{name: "config output is a list", config: "output: [json]\n", args: []string{"list"}, code: 2, says: "output must be a single value"},
		{name: "config sql in prefix", config: "key_prefix: \"kw'; --\"\n", args: []string{"create", "x"}, code: 2, says: "key_prefix"},
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases", len(cases))
	}

	e := newEnv(t)
	e.createKey("base", "--owner", "ops", "--role", "user")
	e.createKey("second", "--description", "the other one")
	e.ok("revoke", "second", "--reason", "retired")
	before := dump(t, e.db)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.config != "" {
				path := filepath.Join(t.TempDir(), "config.yaml")
				if err := os.WriteFile(path, []byte(tc.config), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append([]string{"--config", path}, args...)
			}
			r := e.run(tc.stdin, args...)
			if tc.code == 0 {
				checkClean(t, r)
				if r.code != 0 || strings.TrimSpace(r.stdout) != tc.says {
					t.Errorf("want exit 0 and %q on stdout\n%s", tc.says, r)
				}
			} else {
				checkError(t, r, tc.code)
				line, _, _ := strings.Cut(r.stderr, "\n")
				if !strings.Contains(line, tc.says) {
					t.Errorf("the error line does not say %q\n%s", tc.says, r)
				}
				if len(line) > 400 {
					t.Errorf("the error line is %d bytes long: input is echoed unclipped", len(line))
				}
			}
			// Cases about the output format itself are left as they are.
			aboutOutput := strings.Contains(tc.config, "output")
			for _, a := range tc.args {
				aboutOutput = aboutOutput || a == "-o" || a == "--output"
			}
			if tc.code != 0 && !aboutOutput {
				// The same input with -o json: one JSON error object on
				// stderr instead of the text lines, same exit code.
				r := e.run(tc.stdin, append(args, "-o", "json")...)
				checkError(t, r, tc.code)
				if !strings.HasPrefix(r.stderr, `{"error":`) {
					t.Errorf("with -o json the error is not a JSON object\n%s", r)
				}
			}
			if after := dump(t, e.db); after != before {
				t.Errorf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// TestStoredVerbatim: hostile but valid text (SQL, quotes, unicode in
// every script) is stored and read back exactly, and harms nothing else.
func TestStoredVerbatim(t *testing.T) {
	e := newEnv(t)
	e.createKey("base", "--owner", "ops")
	baseBefore := e.ok("show", "base", "-o", "json")
	cases := []struct{ alias, name, description, owner, reason string }{
		{"sql", "Robert'); DROP TABLE keys;--", "' OR 1=1; --\n\"quoted\" \\backslash\\ %_", "x\" OR \"\"=\"", "'); DELETE FROM keys; --"},
		{"cyrillic", "Ключ доступа", "Описание: резервное копирование", "Дмитрий", "утечка"},
		{"arabic", "مفتاح الخدمة", "وصف المفتاح", "عمر", "تسرب"},
		{"emoji", "🔑 deploy 🚀", "👩‍💻 team key with ZWJ, flags 🇫🇷 and skin tone 👍🏽", "🤖", "🔥"},
		{"mixed", "Ｆｕｌｌwidth 名前 e\u0301", "tab\tand\nnewline are allowed here", "δ@example.com", "ok"},
	}
	for _, c := range cases {
		t.Run(c.alias, func(t *testing.T) {
			e.ok("create", c.alias, "--name", c.name, "--description", c.description, "--owner", c.owner, "-q")
			var got struct {
				Name, Description, Owner string
				RevokeReason             string `json:"revoke_reason"`
			}
			check := func(out string) {
				t.Helper()
				if err := json.Unmarshal([]byte(out), &got); err != nil {
					t.Fatalf("show -o json: %v\n%s", err, out)
				}
				if got.Name != c.name || got.Description != c.description || got.Owner != c.owner {
					t.Errorf("read back name %q description %q owner %q, want %q %q %q", got.Name, got.Description, got.Owner, c.name, c.description, c.owner)
				}
			}
			check(e.ok("show", c.alias, "-o", "json"))
			// Search finds it by its own text, and only it.
			var found []struct{ Alias string }
			if err := json.Unmarshal([]byte(e.ok("list", "--search", c.owner, "-o", "json")), &found); err != nil || len(found) != 1 || found[0].Alias != c.alias {
				t.Errorf("list --search %q found %v (%v), want only %s", c.owner, found, err, c.alias)
			}
			var byOwner []struct{ Alias string }
			if err := json.Unmarshal([]byte(e.ok("list", "--owner", c.owner, "-o", "json")), &byOwner); err != nil || len(byOwner) != 1 {
				t.Errorf("list --owner %q found %v (%v)", c.owner, byOwner, err)
			}
			if r := e.run("", "list"); r.code != 0 || !strings.Contains(r.stdout, c.name) {
				t.Errorf("the table does not show the name intact\n%s", r)
			}
			e.ok("revoke", c.alias, "--reason", c.reason)
			if err := json.Unmarshal([]byte(e.ok("show", c.alias, "-o", "json")), &got); err != nil || got.RevokeReason != c.reason {
				t.Errorf("revoke reason read back %q (%v), want %q", got.RevokeReason, err, c.reason)
			}
		})
	}
	if after := e.ok("show", "base", "-o", "json"); after != baseBefore {
		t.Errorf("another key changed:\n%s\n%s", baseBefore, after)
	}
	if n := query[int](t, e.db, `SELECT count(*) FROM keys`); n != len(cases)+1 {
		t.Errorf("%d keys, want %d", n, len(cases)+1)
	}
}

// TestHostileDatabaseContent: rows another program wrote into the
// database, holding escape sequences, a bell, bidirectional controls and
// bytes that are not UTF-8. What keyward prints shows them as escapes:
// nothing it prints can clear the screen, retitle the window or reorder
// a line.
func TestHostileDatabaseContent(t *testing.T) {
	e := newEnv(t)
	e.createKey("victim")
	e.createKey("bystander")
	e.ok("scopes", "add", "backup:read", "--description", "backups")
	e.ok("update", "bystander", "--scope", "backup:read")
	const evil = "x\x1b]0;pwned\x07\x1b[2J\u202eevil\u2066\x9b31m"
	db := openDB(t, e.db)
	for _, q := range []string{
		`UPDATE keys SET name = ?1, description = ?1, owner = ?1, meta = json_object('team', ?1) WHERE alias = 'victim'`,
		`UPDATE keys SET alias = 'bystander' || ?1 WHERE alias = 'bystander'`,
		`UPDATE scopes SET description = ?1 WHERE name = 'backup:read'`,
		`UPDATE events SET actor = ?1`,
	} {
		if _, err := db.Exec(q, evil); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	for _, args := range [][]string{
		{"list"},
		{"show", "victim"},
		{"scopes"},
		{"log"},
		{"scopes", "remove", "backup:read"}, // a conflict naming the key that uses it
	} {
		r := e.run("", args...)
		out := r.stdout + r.stderr
		i := strings.IndexAny(out, "\x1b\x07\u202e\u2066")
		if i < 0 {
			i = strings.IndexByte(out, 0x9b)
		}
		if i >= 0 {
			t.Errorf("a raw control reached the output at %q\n%s", out[max(0, i-40):], r)
		}
		if !strings.Contains(r.stdout+r.stderr, `\x1b]0;pwned\a\x1b[2J\u202eevil\u2066\x9b31m`) {
			t.Errorf("the hostile text is not shown escaped\n%s", r)
		}
	}
	// JSON carries the text exactly (a byte that is not UTF-8 as U+FFFD,
	// as JSON must); a JSON decoder gets it back.
	var k struct{ Name string }
	if err := json.Unmarshal([]byte(e.ok("show", "victim", "-o", "json")), &k); err != nil || k.Name != strings.ToValidUTF8(evil, "\uFFFD") {
		t.Errorf("show -o json: name %q, %v", k.Name, err)
	}
}
