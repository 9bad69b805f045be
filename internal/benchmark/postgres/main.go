//go:build linux

// Command postgres measures whole keyward processes on PostgreSQL, side by
// side with psql doing the same storage work, and with keyward on SQLite.
// It needs a server it may create databases on, named by
// KEYWARD_TEST_POSTGRES or the PG* variables (run it under pg_virtualenv):
//
//	pg_virtualenv -t go run ./internal/benchmark/postgres [-keys 100000] [-runs 7]
//
// Runs alternate between the two processes compared; figures are medians.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/keyward/keyward/internal/postgres/pgtest"
)

var (
	nKeys   = flag.Int("keys", 100000, "keys in the database")
	runs    = flag.Int("runs", 7, "runs of each process per figure")
	vRuns   = flag.Int("verify-runs", 21, "runs of each verify process")
	keepDir = flag.Bool("keep", false, "keep the temporary directory")
)

type bench struct {
	dir, keyward string
	env          []string
	server       *pgtest.Server
	drops        []func() error
}

func main() {
	flag.Parse()
	b := &bench{}
	err := b.run()
	for _, d := range b.drops {
		d()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmark:", err)
		os.Exit(1)
	}
}

// fresh creates an empty database and returns its URL.
func (b *bench) fresh() (string, error) {
	u, drop, err := b.server.CreateDatabase(context.Background())
	if err != nil {
		return "", err
	}
	b.drops = append(b.drops, drop)
	return u, nil
}

func (b *bench) run() error {
	server, err := pgtest.Find()
	if err != nil {
		return err
	}
	b.server = server
	if b.dir, err = os.MkdirTemp("", "pgbench-"); err != nil {
		return err
	}
	if *keepDir {
		fmt.Fprintln(os.Stderr, "working directory:", b.dir)
	} else {
		defer os.RemoveAll(b.dir)
	}
	b.env = slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "KEYWARD_") })
	b.env = append(b.env, "HOME="+b.dir, "XDG_CONFIG_HOME="+filepath.Join(b.dir, "config"), "XDG_DATA_HOME="+filepath.Join(b.dir, "data"), "NO_COLOR=1")
	b.keyward = filepath.Join(b.dir, "keyward")
	step("building keyward")
	if out, err := exec.Command("go", "build", "-o", b.keyward, "github.com/keyward/keyward").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}

	step(fmt.Sprintf("preparing %d keys: a JSON Lines file, a SQLite database and its export", *nKeys))
	jsonl := filepath.Join(b.dir, "keys.jsonl")
	if err := writeLines(jsonl, *nKeys); err != nil {
		return err
	}
	sqliteDB := filepath.Join(b.dir, "keys.db")
	issued, err := b.importKeys(jsonl, sqliteDB)
	if err != nil {
		return err
	}
	export := filepath.Join(b.dir, "export.jsonl")
	if err := b.cmd("", export, b.keyward, "--db", sqliteDB, "export").Run(); err != nil {
		return fmt.Errorf("export: %w", err)
	}

	// A template with keyward's tables and nothing else: each import run
	// gets a copy, keyward's and psql's alike.
	tmplURL, err := b.fresh()
	if err != nil {
		return err
	}
	for _, args := range [][]string{{"scopes", "add", "bench:setup"}, {"scopes", "remove", "bench:setup"}} {
		if err := b.cmd("", os.DevNull, b.keyward, append([]string{"--db", tmplURL}, args...)...).Run(); err != nil {
			return fmt.Errorf("create the tables: %w", err)
		}
	}
	tmpl := dbName(tmplURL)
	var rows []result

	// import: keyward import of the file vs psql COPY of the same rows.
	step("import")
	full, err := b.fresh()
	if err != nil {
		return err
	}
	if err := b.cmd(export, "", b.keyward, "--db", full, "import", "-").Run(); err != nil {
		return fmt.Errorf("import the export: %w", err)
	}
	copyFile := filepath.Join(b.dir, "keys.copy")
	if err := b.psql(full, "", copyFile, `\copy keys (id, alias, hash, name, description, owner, roles, scopes, masked, imported, ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at) to stdout`); err != nil {
		return err
	}
	copies := func() string {
		u, err := b.fromTemplate(tmpl)
		if err != nil {
			fatal(err)
		}
		return u
	}
	rows = append(rows, compare(fmt.Sprintf("import %s keys vs psql COPY of the same rows", thousands(*nKeys)), 2.0, *runs,
		func() *exec.Cmd { return b.cmd(jsonl, "", b.keyward, "--db", copies(), "import") },
		func() *exec.Cmd {
			return b.cmd(copyFile, "", "psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", copies(), "-c",
				`\copy keys (id, alias, hash, name, description, owner, roles, scopes, masked, imported, ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at) from stdin`)
		}))

	// export from SQLite and import into PostgreSQL, one pipeline.
	step("moving from SQLite")
	var moved string
	move := single(fmt.Sprintf("SQLite export piped into PostgreSQL import, %s keys", thousands(*nKeys)), 5*time.Second, *runs, func() *exec.Cmd {
		moved = copies()
		return b.cmd("", "", "sh", "-c", `"$0" --db "$1" export | "$0" --db "$2" import - >/dev/null`, b.keyward, sqliteDB, moved)
	})
	rows = append(rows, move)
	if err := b.checkMoved(moved, sqliteDB, issued); err != nil {
		return err
	}

	// verify: one key from the middle, on each engine.
	step("verify")
	keyFile := filepath.Join(b.dir, "key.txt")
	os.WriteFile(keyFile, []byte(issued[len(issued)/2]+"\n"), 0o600)
	rows = append(rows, compare("verify (whole process) vs the same on SQLite", 1.5, *vRuns,
		func() *exec.Cmd { return b.cmd(keyFile, "", b.keyward, "--db", full, "verify") },
		func() *exec.Cmd { return b.cmd(keyFile, "", b.keyward, "--db", sqliteDB, "verify") }))

	// list -o json vs psql producing the same rows as JSON.
	step("list")
	listSQL := `SELECT json_build_object('id', id, 'alias', alias, 'name', name, 'description', description, 'owner', owner,
		'roles', roles, 'scopes', scopes, 'status', CASE WHEN expires_at > extract(epoch FROM now()) THEN 'active' ELSE 'expired' END,
		'created_at', to_char(to_timestamp(created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
		'updated_at', to_char(to_timestamp(updated_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
		'expires_at', to_char(to_timestamp(expires_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
		'last_used_at', to_char(to_timestamp(last_used_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
		'revoked_at', to_char(to_timestamp(revoked_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
		'revoke_reason', revoke_reason, 'ttl_seconds', ttl_seconds, 'token_ttl_seconds', token_ttl_seconds,
		'masked', masked, 'imported', imported)
		FROM keys WHERE revoked_at IS NULL ORDER BY created_at, seq`
	list := compare(fmt.Sprintf("list -o json of %s keys vs psql rows as JSON", thousands(*nKeys)), 1.3, *runs,
		func() *exec.Cmd { return b.cmd("", os.DevNull, b.keyward, "--db", full, "list", "-o", "json") },
		func() *exec.Cmd {
			return b.cmd("", os.DevNull, "psql", "-X", "-A", "-t", "-q", "-d", full, "-c", strings.Join(strings.Fields(listSQL), " "))
		})
	rows = append(rows, list)
	// Peak memory through /usr/bin/time: a child of this process would
	// inherit this process's own high-water mark at the fork.
	rssAll, err := b.peakRSS(b.keyward, "--db", full, "list", "-o", "json")
	if err != nil {
		return err
	}
	rssSmall, err := b.peakRSS(b.keyward, "--db", full, "list", "-o", "json", "--limit", "1000")
	if err != nil {
		return err
	}

	fmt.Printf("\nPostgreSQL %s, %d keys, medians of %d runs (verify: %d)\n\n", serverVersion(full), *nKeys, *runs, *vRuns)
	fmt.Println("| figure | keyward | other | ratio | target | met | CPU keyward / other |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range rows {
		if r.single {
			fmt.Printf("| %s | %s | – | – | ≤ %s | %s | %s / – |\n", r.name, ms(r.a), ms(r.limit), yes(r.a <= r.limit), ms(r.cpuA))
			continue
		}
		fmt.Printf("| %s | %s | %s | %.2f× | ≤ %.1f× | %s | %s / %s |\n", r.name, ms(r.a), ms(r.b), r.ratio(), r.target, yes(r.ratio() <= r.target), ms(r.cpuA), ms(r.cpuB))
	}
	fmt.Printf("\nlist -o json peak RSS: %.1f MiB for %s keys, %.1f MiB for 1,000 (constant memory: the rows are streamed)\n", rssAll, thousands(*nKeys), rssSmall)
	fmt.Printf("load average during the run: %s\n", loadAverage())
	return nil
}

// fromTemplate copies the template database.
func (b *bench) fromTemplate(tmpl string) (string, error) {
	ctx := context.Background()
	c, err := b.server.Admin(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	name := fmt.Sprintf("keyward_bench_%d", rand.Int64())
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl); err != nil {
		return "", err
	}
	b.drops = append(b.drops, func() error {
		c, err := b.server.Admin(ctx)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
		return err
	})
	return b.server.URLFor(name), nil
}

// checkMoved checks that every key issued on SQLite is in PostgreSQL with
// the same hash and that a sample of them verifies through keyward.
func (b *bench) checkMoved(url, sqliteDB string, issued []string) error {
	var sq, pg strings.Builder
	if err := b.cmdTo(&sq, b.keyward, "--db", sqliteDB, "export"); err != nil {
		return err
	}
	if err := b.cmdTo(&pg, b.keyward, "--db", url, "export"); err != nil {
		return err
	}
	if sq.String() != pg.String() {
		return fmt.Errorf("the moved database's export differs from SQLite's")
	}
	for i := 0; i < 20; i++ {
		key := issued[rand.N(len(issued))]
		var out strings.Builder
		c := b.cmd("", "", b.keyward, "--db", url, "verify")
		c.Stdin, c.Stdout = strings.NewReader(key+"\n"), &out
		if err := c.Run(); err != nil || !strings.HasPrefix(out.String(), "VALID") {
			return fmt.Errorf("a moved key does not verify: %q %v", out.String(), err)
		}
	}
	fmt.Fprintf(os.Stderr, "  every key moved with its hash (exports equal); 20 random keys verify\n")
	return nil
}

func (b *bench) importKeys(jsonl, db string) ([]string, error) {
	c := b.cmd(jsonl, "", b.keyward, "--db", db, "import")
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	var issued []string
	dec := json.NewDecoder(bufio.NewReader(out))
	for {
		var k struct{ Key string }
		if err := dec.Decode(&k); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		issued = append(issued, k.Key)
	}
	return issued, c.Wait()
}

func writeLines(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	roles := []string{`["agent"]`, `["user"]`, `["creator","user"]`, `[]`}
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, `{"alias":"svc-%07d","name":"Service %d","owner":"team-%d@example.com","description":"benchmark key %d for the payments pipeline","roles":%s,"ttl":"%dd"}`+"\n",
			i, i, i%97, i, roles[i%len(roles)], 1+i%90)
	}
	return w.Flush()
}

// cmd prepares a process reading stdin (a file, or nothing) and writing
// stdout to a file (or discarding it).
func (b *bench) cmd(stdin, stdout, name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env, c.Stderr = b.env, os.Stderr
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			fatal(err)
		}
		c.Stdin = f
	}
	if stdout != "" {
		f, err := os.Create(stdout)
		if err != nil {
			fatal(err)
		}
		c.Stdout = f
	}
	return c
}

func (b *bench) cmdTo(w io.Writer, name string, args ...string) error {
	c := b.cmd("", "", name, args...)
	c.Stdout = w
	return c.Run()
}

func (b *bench) psql(url, stdin, stdout, command string) error {
	if err := b.cmd(stdin, stdout, "psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command).Run(); err != nil {
		return fmt.Errorf("psql %s: %w", command, err)
	}
	return nil
}

func dbName(url string) string {
	i := strings.LastIndex(url, "/")
	name, _, _ := strings.Cut(url[i+1:], "?")
	return name
}

func serverVersion(url string) string {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return "?"
	}
	defer c.Close(ctx)
	var v string
	c.QueryRow(ctx, `SHOW server_version`).Scan(&v)
	return v
}
