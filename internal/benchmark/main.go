//go:build linux

// Command benchmark measures whole keyward processes against two floors
// doing the same storage work on the same table: the sqlite3 shell, and a
// minimal Go program on modernc.org/sqlite (./floor). Runs alternate
// between keyward and its floor; the figures are medians.
//
//	go run ./internal/benchmark [-keys 100000] [-runs 21] [-million]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

var (
	nKeys      = flag.Int("keys", 100000, "keys in the main database")
	runs       = flag.Int("runs", 21, "runs of each process per figure")
	scaleRuns  = flag.Int("scale-runs", 11, "runs per point of the scaling figures")
	million    = flag.Bool("million", false, "also measure scaling at 1,000,000 keys (slow to prepare)")
	sqlite3Bin = flag.String("sqlite3", "/usr/bin/sqlite3", "the sqlite3 shell")
	keep       = flag.Bool("keep", false, "keep the temporary directory")
	only       = flag.String("only", "verify,create,import,list,scaling", "figures to measure, comma-separated")
)

// bench holds the built programs and the working directory.
type bench struct {
	dir     string
	keyward string
	floor   string
	env     []string
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchmark:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "scalebench-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "working directory:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	b := &bench{dir: dir, keyward: filepath.Join(dir, "keyward"), floor: filepath.Join(dir, "floor")}
	// No KEYWARD_* from the caller, no config file: the defaults.
	b.env = slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "KEYWARD_") })
	b.env = append(b.env, "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "NO_COLOR=1")
	step("building keyward and the floor program")
	for _, p := range [][2]string{{b.keyward, "."}, {b.floor, "./internal/benchmark/floor"}} {
		c := exec.Command("go", "build", "-o", p[0], p[1])
		c.Dir, c.Stderr = root, os.Stderr
		if err := c.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", p[1], err)
		}
	}

	step(fmt.Sprintf("preparing a database of %d keys with keyward import", *nKeys))
	base, err := b.prepare(*nKeys)
	if err != nil {
		return err
	}
	var rows []result

	want := func(figure string) bool { return slices.Contains(strings.Split(*only, ","), figure) }
	var list *result

	// verify: one key from the middle of the table.
	key := base.key
	keyFile := filepath.Join(dir, "key.txt")
	os.WriteFile(keyFile, []byte(key.Key+"\n"), 0o600)
	if want("verify") {
		kwDB, sqDB := b.copyDB(base.db, "verify-kw.db"), b.copyDB(base.db, "verify-sq.db")
		step("verify")
		kwVerify := b.proc(keyFile, b.keyward, "--db", kwDB, "verify")
		rows = append(rows, compare("verify vs minimal Go", 1.5, *runs, kwVerify, b.proc(keyFile, b.floor, sqDB)))
		rows = append(rows, compare("verify vs sqlite3 indexed lookup", 3.0, *runs, kwVerify,
			b.proc("", *sqlite3Bin, sqDB, fmt.Sprintf(`SELECT hash, alias, roles, scopes, expires_at, revoked_at FROM keys WHERE id = '%s'`, key.ID))))
	}

	// create: one key each run, into copies of the full database.
	if want("create") {
		step("create")
		kwDB, sqDB := b.copyDB(base.db, "create-kw.db"), b.copyDB(base.db, "create-sq.db")
		n := 0
		kwCreate := func() *exec.Cmd {
			n++
			return b.cmd("", b.keyward, "--db", kwDB, "create", fmt.Sprintf("created-%d", n), "-q")
		}
		m := 0
		sqCreate := func() *exec.Cmd {
			m++
			now := time.Now().Unix()
			return b.cmd("", *sqlite3Bin, sqDB, fmt.Sprintf(`INSERT INTO keys (id, alias, hash, name, masked, ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at)
			VALUES ('floor%07d', 'floor-%d', '%064x', 'floor-%d', 'kw_floor%07d_abcd…', 1296000, 3600, %d, %d, %d)`, m, m, m, m, m, now, now, now+1296000))
		}
		rows = append(rows, compare("create vs sqlite3 insert", 3.0, *runs, kwCreate, sqCreate))
	}

	// import: the whole file into an empty database, each run.
	if want("import") {
		step(fmt.Sprintf("import of %d keys", *nKeys))
		empty := filepath.Join(dir, "empty.db")
		// Only commands that add something create a database: add a
		// scope and remove it again.
		for _, args := range [][]string{{"scopes", "add", "bench:empty"}, {"scopes", "remove", "bench:empty"}} {
			mk := b.cmd("", b.keyward, append([]string{"--db", empty}, args...)...)
			if err := mk.Run(); err != nil {
				return fmt.Errorf("create an empty database: %w", err)
			}
		}
		inserts := filepath.Join(dir, "inserts.sql")
		if err := b.dumpInserts(base.db, inserts); err != nil {
			return err
		}
		i, j := 0, 0
		kwImport := func() *exec.Cmd {
			i++
			return b.cmd(base.jsonl, b.keyward, "--db", b.copyDB(empty, fmt.Sprintf("import-kw-%d.db", i)), "import")
		}
		sqImport := func() *exec.Cmd {
			j++
			return b.cmd(inserts, *sqlite3Bin, b.copyDB(empty, fmt.Sprintf("import-sq-%d.db", j)))
		}
		rows = append(rows, compare(fmt.Sprintf("import of %s keys vs sqlite3 in one transaction", thousands(*nKeys)), 2.5, *runs, kwImport, sqImport))
		b.removeGlob("import-*.db*")
	}

	// list: every key as JSON, against sqlite3 -json of the same fields.
	if want("list") {
		step("list")
		kwDB, sqDB := b.copyDB(base.db, "list-kw.db"), b.copyDB(base.db, "list-sq.db")
		l := compare(fmt.Sprintf("list --status all -o json of %s keys vs sqlite3 -json", thousands(*nKeys)), 1.2, *runs,
			b.proc("", b.keyward, "--db", kwDB, "list", "--status", "all", "-o", "json"),
			b.proc("", *sqlite3Bin, "-json", sqDB, listSQL))
		rows = append(rows, l)
		list = &l
	}

	fmt.Println()
	fmt.Printf("machine: %s, %d cores (nproc), %s %s/%s; sqlite3 %s; load average at the end: %s\n\n", cpuModel(), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, b.sqliteVersion(), loadAverage())
	fmt.Printf("%d runs each, alternating, medians of whole processes: wall time, and CPU time (user + system)\n\n", *runs)
	fmt.Println("| figure | keyward | floor | ratio | keyward CPU | floor CPU | CPU ratio | target | met (wall / CPU) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|:-:|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %.2f | %s | %s | %.2f | ≤ %.1f | %s / %s |\n", r.name, ms(r.a), ms(r.b), r.ratio(),
			ms(r.cpuA), ms(r.cpuB), r.cpuRatio(), r.target, yes(r.ratio() <= r.target), yes(r.cpuRatio() <= r.target))
	}
	if list != nil {
		fmt.Printf("| peak RSS of keyward list (%s keys) | %.1f MiB | %.1f MiB | | | | | ≤ 64 MiB | %s |\n", thousands(*nKeys), list.rssA, list.rssB, yes(list.rssA <= 64))
	}
	var self syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	fmt.Printf("\n(the benchmark's own peak RSS, a floor under every child's figure: %.1f MiB)\n", float64(self.Maxrss)/1024)

	if !want("scaling") {
		return nil
	}
	return b.scaling(base)
}

// listSQL is what keyward list -o json shows, from the sqlite3 shell.
const listSQL = `SELECT id, alias, name, description, owner, roles, scopes,
	CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN expires_at <= unixepoch() THEN 'expired' ELSE 'active' END AS status,
	strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch') AS created_at,
	strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, 'unixepoch') AS updated_at,
	strftime('%Y-%m-%dT%H:%M:%SZ', expires_at, 'unixepoch') AS expires_at,
	strftime('%Y-%m-%dT%H:%M:%SZ', last_used_at, 'unixepoch') AS last_used_at,
	strftime('%Y-%m-%dT%H:%M:%SZ', revoked_at, 'unixepoch') AS revoked_at,
	revoke_reason, ttl_seconds, token_ttl_seconds, masked, imported
	FROM keys ORDER BY created_at, rowid`

// scaling measures verify and list at 1,000 / 100,000 (/ 1,000,000) keys.
func (b *bench) scaling(base *dataset) error {
	sizes := []int{1000, 100000}
	if *million {
		sizes = append(sizes, 1000000)
	}
	fmt.Printf("\nscaling, %d runs per point, medians\n\n", *scaleRuns)
	fmt.Println("| keys | verify | minimal Go verify | list -o json | sqlite3 -json | list CPU | sqlite3 CPU | peak RSS of list |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range sizes {
		step(fmt.Sprintf("scaling at %d keys", n))
		d := base
		if n != *nKeys {
			var err error
			if d, err = b.prepare(n); err != nil {
				return err
			}
		}
		keyFile := filepath.Join(b.dir, "scale-key.txt")
		os.WriteFile(keyFile, []byte(d.key.Key+"\n"), 0o600)
		kwDB, sqDB := b.copyDB(d.db, "scale-kw.db"), b.copyDB(d.db, "scale-sq.db")
		v := compare("verify", 0, *scaleRuns, b.proc(keyFile, b.keyward, "--db", kwDB, "verify"), b.proc(keyFile, b.floor, sqDB))
		l := compare("list", 0, *scaleRuns, b.proc("", b.keyward, "--db", kwDB, "list", "--status", "all", "-o", "json"),
			b.proc("", *sqlite3Bin, "-json", sqDB, listSQL))
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %.1f MiB |\n", thousands(n), ms(v.a), ms(v.b), ms(l.a), ms(l.b), ms(l.cpuA), ms(l.cpuB), l.rssA)
		b.removeGlob("scale-*")
		if d != base {
			os.Remove(d.db)
			os.Remove(d.jsonl)
		}
	}
	return nil
}
