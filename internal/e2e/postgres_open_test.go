package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres"
)

// withURL returns raw as edit changes it.
func withURL(t *testing.T, raw string, edit func(u *url.URL)) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	edit(u)
	return u.String()
}

// TestPostgresConnectionFailures: a wrong password, an unreachable
// server and a missing database each exit 1 with one line saying which,
// and a hint; the password appears nowhere, in text or JSON.
func TestPostgresConnectionFailures(t *testing.T) {
	e := newPGEnv(t)
	const secret = "Sup3rSecretPassw0rd"
	cases := []struct {
		name string
		db   string
		says string
	}{
		{"wrong password", withURL(t, e.url, func(u *url.URL) { u.User = url.UserPassword(u.User.Username(), secret) }), "refused the password"},
		{"unreachable", withURL(t, e.url, func(u *url.URL) {
			u.User = url.UserPassword(u.User.Username(), secret)
			u.Host = "127.0.0.1:1"
		}), "cannot reach PostgreSQL at 127.0.0.1:1"},
		{"missing database", withURL(t, e.url, func(u *url.URL) {
			p, _ := u.User.Password()
			u.User = url.UserPassword(u.User.Username(), p)
			u.Path = "/keyward_no_such_database"
		}), `has no database`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, args := range [][]string{{"list"}, {"create", "x"}, {"-o", "json", "verify"}} {
				r := e.run(keys.NewCredential("kw", keys.KindKey).String+"\n", append([]string{"--db", c.db}, args...)...)
				checkError(t, r, 1)
				if !strings.Contains(r.stderr, c.says) {
					t.Errorf("%v: stderr does not say %q\n%s", args, c.says, r)
				}
				if p, _ := url.Parse(c.db); p.User != nil {
					if pw, _ := p.User.Password(); pw != "" && strings.Contains(r.stdout+r.stderr, pw) {
						t.Errorf("%v: the password is in the output\n%s", args, r)
					}
				}
			}
		})
	}
}

// TestPostgresNoTables: every command but create, import and scopes add
// refuses a database without keyward's tables and creates none.
func TestPostgresNoTables(t *testing.T) {
	e := newPGEnv(t)
	for _, args := range [][]string{{"list"}, {"show", "x"}, {"renew", "--all"}, {"export"}, {"scopes"}} {
		r := e.run("", args...)
		checkError(t, r, 1)
		if !strings.Contains(r.stderr, "no database at "+postgres.Redact(e.url)) || !strings.Contains(r.stderr, "scopes add") {
			t.Errorf("%v: want no database at %s\n%s", args, postgres.Redact(e.url), r)
		}
	}
	r := e.run(keys.NewCredential("kw", keys.KindKey).String+"\n", "verify")
	checkError(t, r, 1)
	if n := pgQuery[int64](t, e, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); n != 0 {
		t.Errorf("%d tables created by commands that must create none", n)
	}
	e.ok("scopes", "add", "backup:read")
	const want = "events,keys,keyward_schema,scopes,tokens"
	if got := pgQuery[string](t, e, `SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'`); got != want {
		t.Errorf("scopes add created tables %s, want %s", got, want)
	}
}

// TestPostgresForeignAndNewer: another application's keys table, and a
// keyward schema newer than this keyward, are refused and left as they
// were.
func TestPostgresForeignAndNewer(t *testing.T) {
	ctx := context.Background()
	t.Run("foreign", func(t *testing.T) {
		e := newPGEnv(t)
		if _, err := e.conn.Exec(ctx, `CREATE TABLE keys (k text PRIMARY KEY, v text); INSERT INTO keys VALUES ('a', 'b')`); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"create", "x"}, {"list"}, {"import", "-"}} {
			r := e.run(`{"alias":"y"}`+"\n", args...)
			checkError(t, r, 1)
			if !strings.Contains(r.stderr, "not keyward's") {
				t.Errorf("%v: want a refusal of foreign tables\n%s", args, r)
			}
		}
		if n := pgQuery[int64](t, e, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`); n != 1 {
			t.Errorf("%d tables after the refusals, want the foreign one alone", n)
		}
		if v := pgQuery[string](t, e, `SELECT v FROM keys WHERE k = 'a'`); v != "b" {
			t.Errorf("foreign row changed to %q", v)
		}
	})
	t.Run("newer", func(t *testing.T) {
		e := newPGEnv(t)
		e.createKey("kept")
		if _, err := e.conn.Exec(ctx, `INSERT INTO keyward_schema (version, applied_at) VALUES (99, 0)`); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"create", "x"}, {"list"}, {"renew", "kept"}} {
			r := e.run("", args...)
			checkError(t, r, 1)
			if !strings.Contains(r.stderr, "schema version 99") {
				t.Errorf("%v: want a refusal of schema 99\n%s", args, r)
			}
		}
		if n := pgQuery[int64](t, e, `SELECT count(*) FROM keys`); n != 1 {
			t.Errorf("%d keys after the refusals, want 1", n)
		}
	})
}

// TestPostgresConfig: config names the engine and shows the URL without
// its password, in text and JSON.
func TestPostgresConfig(t *testing.T) {
	e := newPGEnv(t)
	u, _ := url.Parse(e.url)
	pw, _ := u.User.Password()
	if pw == "" {
		t.Skip("the test server's URL has no password to hide")
	}
	text := e.ok("config")
	if !strings.Contains(text, "engine") || !strings.Contains(text, "postgres") || strings.Contains(text, pw) {
		t.Errorf("config: want engine postgres and no password\n%s", text)
	}
	var cfg struct {
		Engine string
		DB     struct{ Value string }
	}
	out := e.ok("config", "-o", "json")
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Engine != "postgres" || strings.Contains(out, pw) || !strings.HasPrefix(cfg.DB.Value, "postgres://"+u.User.Username()+":xxxxx@") {
		t.Errorf("config -o json: engine %q, db %q", cfg.Engine, cfg.DB.Value)
	}
}

// TestPostgresMoveFromSQLite: export | import moves every key with its
// state: active keys verify, revoked ones stay revoked, imported legacy
// keys verify by hash; importing the same export again conflicts and
// writes nothing.
func TestPostgresMoveFromSQLite(t *testing.T) {
	e := newPGEnv(t)
	old := newEnv(t)
	old.ok("scopes", "add", "backup:read", "--admin-only")
	active := old.createKey("ci-bot", "--role", "admin", "--scope", "backup:read")
	revoked := old.createKey("leaked")
	old.ok("revoke", "leaked", "--reason", "found in a log")
	legacy := "legacy-0123456789abcdefghij"
	if r := old.run(`{"alias":"girder","key":"`+legacy+`","owner":"ops"}`+"\n", "import"); r.code != 0 {
		t.Fatalf("import legacy key\n%s", r)
	}
	export := old.ok("export")
	if r := e.run(export, "import", "-"); r.code != 0 {
		t.Fatalf("import into PostgreSQL\n%s", r)
	}
	for _, c := range []struct {
		key, code string
	}{{active, "VALID"}, {revoked, "REVOKED"}, {legacy, "VALID"}} {
		r := e.run(c.key+"\n", "verify", "-o", "json")
		if !strings.Contains(r.stdout, `"code":"`+c.code+`"`) {
			t.Errorf("after the move, want %s\n%s", c.code, r)
		}
	}
	if again := e.run(export, "import", "-"); again.code != 4 {
		t.Errorf("importing the same export twice: want exit 4\n%s", again)
	}
	if n := pgQuery[int64](t, e, `SELECT count(*) FROM keys`); n != 3 {
		t.Errorf("%d keys after the second import, want 3", n)
	}
	// And back: PostgreSQL's export is SQLite's, line for line, but for
	// last_used_at, which the verifications above recorded.
	strip := func(s string) string {
		var b strings.Builder
		for _, line := range strings.Split(s, "\n") {
			if i := strings.Index(line, `"last_used_at":`); i >= 0 {
				j := strings.Index(line[i:], `,"revoked_at"`)
				line = line[:i] + line[i+j+1:]
			}
			b.WriteString(line + "\n")
		}
		return b.String()
	}
	if got := e.ok("export"); strip(got) != strip(export) {
		t.Errorf("export differs between engines\nsqlite:\n%s\npostgres:\n%s", export, got)
	}
}
