// Command benchmark measures whole keyward processes against two floors
// doing the same storage work on the same table: the sqlite3 shell, and a
// minimal Go program on modernc.org/sqlite (./floor). Runs alternate
// between keyward and its floor; the figures are medians.
//
//	go run ./internal/benchmark [-keys 100000] [-runs 21] [-million]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
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
		mk := b.cmd("", b.keyward, "--db", empty, "list", "-o", "json")
		if err := mk.Run(); err != nil {
			return fmt.Errorf("create an empty database: %w", err)
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

// dataset is a database prepared through keyward import.
type dataset struct {
	db, jsonl string
	key       issued // one generated key from the middle of the table
}

type issued struct {
	Alias string `json:"alias"`
	ID    string `json:"id"`
	Key   string `json:"key"`
}

// prepare writes n JSON Lines of keys about as wide as real ones and
// imports them into a new database.
func (b *bench) prepare(n int) (*dataset, error) {
	d := &dataset{db: filepath.Join(b.dir, fmt.Sprintf("keys-%d.db", n)), jsonl: filepath.Join(b.dir, fmt.Sprintf("keys-%d.jsonl", n))}
	f, err := os.Create(d.jsonl)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(f)
	roles := []string{`["agent"]`, `["user"]`, `["creator","user"]`, `[]`}
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, `{"alias":"svc-%07d","name":"Service %d","owner":"team-%d@example.com","description":"benchmark key %d for the payments pipeline","roles":%s,"ttl":"%dd"}`+"\n",
			i, i, i%97, i, roles[i%len(roles)], 1+i%90)
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	f.Close()
	c := b.cmd(d.jsonl, b.keyward, "--db", d.db, "import")
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bufio.NewReader(out))
	count := 0
	for {
		var k issued
		if err := dec.Decode(&k); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if count == n/2 {
			d.key = k
		}
		count++
	}
	if err := c.Wait(); err != nil {
		return nil, fmt.Errorf("keyward import: %w", err)
	}
	if count != n {
		return nil, fmt.Errorf("keyward import printed %d keys, want %d", count, n)
	}
	// Checkpoint the WAL so that copies of the file are whole.
	if err := b.cmd("", *sqlite3Bin, d.db, "PRAGMA wal_checkpoint(TRUNCATE)").Run(); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return d, nil
}

// dumpInserts writes the rows of db as INSERT statements in one
// transaction: the sqlite3 floor for import.
func (b *bench) dumpInserts(db, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	w.WriteString("BEGIN IMMEDIATE;\n")
	c := b.cmd("", *sqlite3Bin, "-cmd", ".mode insert keys", db, "SELECT * FROM keys")
	c.Stdout = w
	if err := c.Run(); err != nil {
		return fmt.Errorf("dump rows: %w", err)
	}
	w.WriteString("COMMIT;\n")
	return w.Flush()
}

func (b *bench) copyDB(src, name string) string {
	// Streamed, never read whole: a child's peak RSS as the kernel
	// reports it starts at this process's own (see timeRun).
	dst := filepath.Join(b.dir, name)
	os.Remove(dst + "-wal")
	os.Remove(dst + "-shm")
	in, err := os.Open(src)
	if err != nil {
		panic(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		panic(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		panic(err)
	}
	if err := out.Close(); err != nil {
		panic(err)
	}
	return dst
}

func (b *bench) removeGlob(pattern string) {
	m, _ := filepath.Glob(filepath.Join(b.dir, pattern))
	for _, p := range m {
		os.Remove(p)
	}
}

// cmd is one process with stdin from a file ("" for none) and stdout
// discarded.
func (b *bench) cmd(stdin, name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Env = b.env
	c.Stderr = os.Stderr
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			panic(err)
		}
		c.Stdin = f
	}
	return c
}

// proc makes a process factory that always runs the same command.
func (b *bench) proc(stdin, name string, args ...string) func() *exec.Cmd {
	return func() *exec.Cmd { return b.cmd(stdin, name, args...) }
}

func (b *bench) sqliteVersion() string {
	out, err := exec.Command(*sqlite3Bin, "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.Fields(string(out))[0]
}

// result is the medians of two alternating processes.
type result struct {
	name       string
	target     float64
	a, b       time.Duration // wall time
	cpuA, cpuB time.Duration // user + system time
	rssA, rssB float64       // MiB, peak of all runs
}

func (r result) ratio() float64    { return float64(r.a) / float64(r.b) }
func (r result) cpuRatio() float64 { return float64(r.cpuA) / float64(r.cpuB) }

// sample is one finished process.
type sample struct {
	wall, cpu time.Duration
	rss       float64
}

// compare runs a and b alternately, n times each, in swapped order every
// other round, after one warm-up run of each.
func compare(name string, target float64, n int, a, b func() *exec.Cmd) result {
	r := result{name: name, target: target}
	var wa, wb, ca, cb []time.Duration
	timeRun(a)
	timeRun(b)
	for i := 0; i < n; i++ {
		var sa, sb sample
		if i%2 == 0 {
			sa, sb = timeRun(a), timeRun(b)
		} else {
			sb, sa = timeRun(b), timeRun(a)
		}
		wa, wb, ca, cb = append(wa, sa.wall), append(wb, sb.wall), append(ca, sa.cpu), append(cb, sb.cpu)
		r.rssA, r.rssB = max(r.rssA, sa.rss), max(r.rssB, sb.rss)
	}
	r.a, r.b, r.cpuA, r.cpuB = median(wa), median(wb), median(ca), median(cb)
	fmt.Fprintf(os.Stderr, "  %-58s wall %9s %9s %5.2f   cpu %9s %9s %5.2f\n", name, ms(r.a), ms(r.b), r.ratio(), ms(r.cpuA), ms(r.cpuB), r.cpuRatio())
	return r
}

// timeRun runs one process to its end and returns its wall time, CPU
// time and peak resident memory in MiB. A non-zero exit is fatal: a
// figure of a failing process means nothing.
//
// The kernel's ru_maxrss of a child is at least this process's own peak
// RSS at the fork (the exec inherits the high-water mark of the address
// space it replaces), so this process keeps itself small: it streams
// files and keeps one key of each dataset.
func timeRun(mk func() *exec.Cmd) sample {
	c := mk()
	start := time.Now()
	err := c.Run()
	s := sample{wall: time.Since(start)}
	if f, ok := c.Stdin.(*os.File); ok {
		f.Close()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchmark: %s: %v\n", strings.Join(c.Args, " "), err)
		os.Exit(1)
	}
	s.cpu = c.ProcessState.UserTime() + c.ProcessState.SystemTime()
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.rss = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	return s
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func step(s string) { fmt.Fprintln(os.Stderr, "benchmark:", s) }

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run the benchmark inside the keyward module")
	}
	return filepath.Dir(mod), nil
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
