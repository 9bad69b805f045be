// Package e2e runs the keyward binary as real, separate processes against
// one database file, to prove what a cron job, an operator and a service
// sharing the file rely on: nothing is lost, nothing leaks, nothing is
// half-written.
package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// bin is the keyward binary built once for the whole package.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "keyward-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "keyward")
	build := exec.Command("go", "build", "-o", bin, "github.com/keyward/keyward")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building keyward:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// Tests that drop root privileges run the binary as another user.
	os.Chmod(dir, 0o755)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one isolated keyward installation: its own HOME, XDG
// directories and database.
type env struct {
	t    *testing.T
	dir  string
	db   string
	vars []string
	cred *credential // run keyward as this user; nil: as this process
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, db: filepath.Join(dir, "keyward.db")}
	for _, d := range []string{"home", "config", "data"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	e.vars = []string{
		"HOME=" + filepath.Join(dir, "home"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"KEYWARD_DB=" + e.db,
		"NO_COLOR=1",
		"TZ=UTC",
		"PATH=" + os.Getenv("PATH"),
	}
	return e
}

// setenv adds or replaces a variable for every later command.
func (e *env) setenv(name, value string) {
	for i, v := range e.vars {
		if strings.HasPrefix(v, name+"=") {
			e.vars[i] = name + "=" + value
			return
		}
	}
	e.vars = append(e.vars, name+"="+value)
}

// result is what one keyward process did.
type result struct {
	args   []string
	code   int
	stdout string
	stderr string
}

func (r result) String() string {
	return fmt.Sprintf("keyward %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(shortArgs(r.args), " "), r.code, clipText(r.stdout), clipText(r.stderr))
}

func shortArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = clipText(a)
	}
	return out
}

func clipText(s string) string {
	if len(s) > 300 {
		return fmt.Sprintf("%s…(%d bytes)", s[:300], len(s))
	}
	return s
}

// command prepares keyward with args in e, not yet started.
func (e *env) command(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, bin, args...)
	c.Env = e.vars
	c.Dir = e.dir
	runAs(c, e.cred)
	return c
}

// run runs keyward to completion with stdin.
func (e *env) run(stdin string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return e.runCmd(e.command(ctx, args...), stdin)
}

func (e *env) runCmd(c *exec.Cmd, stdin string) result {
	e.t.Helper()
	var out, errb bytes.Buffer
	c.Stdin = strings.NewReader(stdin)
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	r := result{args: c.Args[1:], stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running keyward %v: %v", shortArgs(c.Args[1:]), err)
	}
	return r
}

// ok runs keyward and fails the test unless it exits 0; it returns stdout.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	r := e.run("", args...)
	if r.code != 0 {
		e.t.Fatalf("want exit 0\n%s", r)
	}
	return r.stdout
}

// createKey creates a key and returns its key string.
func (e *env) createKey(alias string, flags ...string) string {
	e.t.Helper()
	return strings.TrimSpace(e.ok(append([]string{"create", alias, "-q"}, flags...)...))
}

// checkClean fails if output shows a Go panic or a raw SQLite message.
func checkClean(t *testing.T, r result) {
	t.Helper()
	for _, s := range []string{r.stdout, r.stderr} {
		for _, bad := range []string{"panic:", "goroutine ", "SQLITE_", "database is locked", "runtime error"} {
			if strings.Contains(s, bad) {
				t.Errorf("output contains %q\n%s", bad, r)
			}
		}
	}
}

// checkError asserts exit code want, no data on stdout and exactly one
// "keyward: error:" line on stderr, at most followed by one hint line (or
// with -o json one error object).
func checkError(t *testing.T, r result, want int) {
	t.Helper()
	checkClean(t, r)
	if r.code != want {
		t.Errorf("want exit %d\n%s", want, r)
		return
	}
	if r.stdout != "" {
		t.Errorf("want nothing on stdout\n%s", r)
	}
	var errs, hints, other int
	for _, line := range strings.Split(strings.TrimRight(r.stderr, "\n"), "\n") {
		var obj struct {
			Error struct{ Code, Message, Hint string }
		}
		switch {
		case strings.HasPrefix(line, "keyward: error: "):
			errs++
		case strings.HasPrefix(line, "{"):
			// -o json: one error object instead of the text lines.
			if err := json.Unmarshal([]byte(line), &obj); err != nil || obj.Error.Code == "" || obj.Error.Message == "" {
				t.Errorf("stderr line is not a JSON error object: %q", line)
			}
			errs++
		case strings.HasPrefix(line, "keyward: hint: "):
			hints++
		case strings.HasPrefix(line, "keyward: warning: "):
		default:
			other++
		}
	}
	if errs != 1 || hints > 1 || other != 0 {
		t.Errorf("want one error line and at most one hint line\n%s", r)
	}
}

// openDB opens a keyward database directly, as a service in another
// language would.
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// query returns one value.
func query[T any](t *testing.T, path, q string, args ...any) T {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// dump renders every row of every keyward table, and the schema version,
// so that two states of a database can be compared.
func dump(t *testing.T, path string) string {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	var b strings.Builder
	var version, appID int
	if err := db.QueryRow(`SELECT v.user_version, a.application_id FROM pragma_user_version() v, pragma_application_id() a`).Scan(&version, &appID); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "user_version=%d application_id=%d\n", version, appID)
	for _, table := range []string{"sqlite_schema", "keys", "scopes", "tokens", "events"} {
		rows, err := db.Query(`SELECT * FROM ` + table + ` ORDER BY 1, 2`)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s:", table)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, " %q", fmt.Sprint(v))
			}
			b.WriteString("\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

// integrity runs PRAGMA integrity_check.
func integrity(t *testing.T, path string) string {
	t.Helper()
	return query[string](t, path, `PRAGMA integrity_check`)
}
