//go:build linux

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
	"sync"
	"syscall"
	"testing"
	"time"
)

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestSpecialDatabaseNamesRefused: a --db that SQLite would not take as a
// plain file (":memory:", a file: URI, another URL) would keep nothing, or
// something else than it seems: it is a usage error, and nothing is
// created anywhere.
func TestSpecialDatabaseNamesRefused(t *testing.T) {
	e := newEnv(t)
	key := e.createKey("real")
	home := filepath.Join(e.dir, "home")
	for _, db := range []string{":memory:", "file::memory:", "file:keys.db", "FILE:keys.db", "file:///tmp/keys.db", "file:keys.db?mode=memory", "sqlite:///keys.db"} {
		for _, args := range [][]string{
			{"create", "memo", "-q"}, {"list"}, {"scopes", "add", "memo:read"}, {"import", "-"}, {"create", "memo", "-o", "json"},
			{"verify"}, {"show", "memo"}, {"renew", "--all"},
		} {
			stdin := ""
			switch args[0] {
			case "import":
				stdin = `{"alias": "memo"}` + "\n"
			case "verify":
				stdin = key + "\n"
			}
			before := dirNames(t, e.dir)
			c := e.command(context.Background(), append([]string{"--db", db}, args...)...)
			c.Dir = home
			r := e.runCmd(c, stdin)
			checkError(t, r, 2)
			if !strings.Contains(r.stderr, "not a file path") && !strings.Contains(r.stderr, "URL keyward cannot open") && !strings.Contains(r.stderr, "invalid_db") {
				t.Errorf("--db %s: the error does not say why\n%s", db, r)
			}
			if names := dirNames(t, home); len(names) != 0 {
				t.Errorf("--db %s %v created %v", db, args, names)
			}
			if after := dirNames(t, e.dir); strings.Join(after, " ") != strings.Join(before, " ") {
				t.Errorf("--db %s %v: %v became %v", db, args, before, after)
			}
		}
	}
	if _, err := os.Stat("/tmp/keys.db"); err == nil {
		t.Errorf("/tmp/keys.db exists")
	}
	// The real database is untouched and still answers.
	if r := e.run(key+"\n", "verify"); r.code != 0 {
		t.Errorf("verify of the real key\n%s", r)
	}
}

// TestDanglingSymlinkDatabaseIsPrivate: --db naming a symbolic link to a
// file that does not exist yet creates that file 0600 (and its missing
// directory 0700) whatever the umask.
func TestDanglingSymlinkDatabaseIsPrivate(t *testing.T) {
	for _, umask := range []string{"022", "000"} {
		t.Run("umask "+umask, func(t *testing.T) {
			e := newEnv(t)
			target := filepath.Join(e.dir, "store", "real.db")
			link := filepath.Join(e.dir, "link.db")
			if err := os.Symlink("store/real.db", link); err != nil {
				t.Fatal(err)
			}
			e.setenv("KEYWARD_DB", link)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c := exec.CommandContext(ctx, "sh", "-c", "umask "+umask+`; exec "$0" "$@"`, bin, "create", "linked", "-q")
			c.Env, c.Dir = e.vars, e.dir
			if r := e.runCmd(c, ""); r.code != 0 {
				t.Fatalf("create through a dangling link\n%s", r)
			}
			if got := mode(t, target); got != 0o600 {
				t.Errorf("%s has mode %04o, want 0600", target, got)
			}
			if got := mode(t, filepath.Dir(target)); got != 0o700 {
				t.Errorf("%s has mode %04o, want 0700", filepath.Dir(target), got)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link itself was replaced: %v %v", fi, err)
			}
			if r := e.run("", "show", "linked"); r.code != 0 || strings.Contains(r.stderr, "warning") {
				t.Errorf("show through the link\n%s", r)
			}
		})
	}
}

// journalMode reads the journal mode a database file is in from its
// header, without opening it: 2 in bytes 18 and 19 is WAL.
func journalMode(t *testing.T, path string) string {
	t.Helper()
	h := make([]byte, 20)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.ReadAt(h, 0); err != nil {
		t.Fatal(err)
	}
	if h[18] == 2 && h[19] == 2 {
		return "wal"
	}
	return "rollback"
}

// vacuumCopy makes a copy of a keyward database the way a backup is made:
// VACUUM INTO, which writes a rollback-journal file.
func vacuumCopy(t *testing.T, from, to string) {
	t.Helper()
	db := openDB(t, from)
	defer db.Close()
	if _, err := db.Exec(`VACUUM INTO ?`, to); err != nil {
		t.Fatal(err)
	}
	os.Chmod(to, 0o600)
	if m := journalMode(t, to); m != "rollback" {
		t.Fatalf("the VACUUM INTO copy is in %s mode", m)
	}
}

// TestRollbackCopySwitchedToWAL: a keyward database in rollback-journal
// mode (a restored VACUUM INTO backup) is put into WAL by every command
// that writes.
func TestRollbackCopySwitchedToWAL(t *testing.T) {
	src := newEnv(t)
	src.createKey("kept", "--ttl", "30d")
	key := src.createKey("minter")
	src.ok("scopes", "add", "backup:read")
	for _, tc := range []struct {
		args  []string
		stdin string
	}{
		{[]string{"create", "new", "-q"}, ""},
		{[]string{"renew", "kept"}, ""},
		{[]string{"update", "kept", "--owner", "ops"}, ""},
		{[]string{"revoke", "kept"}, ""},
		{[]string{"import", "-"}, `{"alias": "imported"}` + "\n"},
		{[]string{"scopes", "add", "backup:write"}, ""},
		{[]string{"token"}, key + "\n"},
		{[]string{"renew", "--all"}, ""},
	} {
		e := newEnv(t)
		vacuumCopy(t, src.db, e.db)
		if r := e.run(tc.stdin, tc.args...); r.code != 0 {
			t.Fatalf("%s", r)
		}
		if m := journalMode(t, e.db); m != "wal" {
			t.Errorf("after %v the database is in %s mode, want wal", tc.args, m)
		}
		if got := integrity(t, e.db); got != "ok" {
			t.Errorf("after %v integrity_check = %q", tc.args, got)
		}
	}
}

// TestVerifyWhileRollbackDatabaseGrows: verify, run again and again while
// another program grows a keyward database that is in rollback-journal
// mode (and so writes page 1, with the new size, before the pages that
// grow the file), never takes the sound file for a truncated one.
func TestVerifyWhileRollbackDatabaseGrows(t *testing.T) {
	src := newEnv(t)
	key := src.createKey("steady")
	// One keyward id in 31 starts with g or G, like the writer's own ids
	// (and LIKE 'g%' matches both): this key gets such an id, so that a
	// clean-up that picked the writer's rows by id would take it too.
	sdb := openDB(t, src.db)
	if _, err := sdb.Exec(`UPDATE keys SET id = 'G' || substr(id, 2) WHERE alias = 'steady'`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	e := newEnv(t)
	vacuumCopy(t, src.db, e.db)

	// The writer keeps the file in rollback mode, as a tool other than
	// keyward would, and grows it by many pages per transaction.
	db, err := sql.Open("sqlite", "file:"+e.db+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(delete)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes, restarts int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if fi, err := os.Stat(e.db); err == nil && fi.Size() > 16<<20 {
				// Big enough (a few seconds of writes, so that every
				// run also meets the VACUUM): start again from a smaller
				// file. Only the writer's own rows go, picked by their
				// alias: a keyward id is random base62 and may start
				// with a g.
				if _, err := db.Exec(`DELETE FROM keys WHERE alias GLOB 'grow-*'; VACUUM`); err != nil {
					t.Errorf("writer: %v", err)
					return
				}
				restarts++
				var kept int
				if err := db.QueryRow(`SELECT count(*) FROM keys WHERE alias = 'steady'`).Scan(&kept); err != nil || kept != 1 {
					t.Errorf("writer: the key under test is gone after the writer's clean-up (%d left, %v)", kept, err)
					return
				}
			}
			// verify puts the file into WAL; put it back, so that every
			// verify meets a file in rollback mode.
			// Leaving WAL needs the file to itself, and SQLite does not
			// wait for that: try again while a verify reads.
			for try := 0; ; try++ {
				_, err := db.Exec(`PRAGMA journal_mode=delete`)
				if err == nil {
					break
				}
				if try == 500 {
					t.Errorf("writer: %v", err)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
			_, err := db.Exec(`WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 400)
				INSERT INTO keys (id, alias, hash, name, masked, ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at)
				SELECT printf('g%05d%06d', ?1, n), printf('grow-%05d-%06d', ?1, n), printf('%032d%032d', ?1, n), printf('%0500d', n), 'kw_…',
					86400, 3600, 500, 500, 4000000000 FROM i`, i)
			if err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			writes++
		}
	}()
	bad := 0
	for i := 0; i < 80; i++ {
		r := e.run(key+"\n", "verify")
		if r.code != 0 {
			bad++
			t.Errorf("verify %d during the writes\n%s", i, r)
			if bad > 3 {
				break
			}
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("the writer committed %d growths and started again %d times", writes, restarts)
	if r := e.run(key+"\n", "verify"); r.code != 0 {
		t.Errorf("verify after the writes\n%s", r)
	}
}

// TestVerifyDuringImportIntoRollbackCopy: an import into a restored
// rollback-journal copy while services verify: every verify answers VALID.
func TestVerifyDuringImportIntoRollbackCopy(t *testing.T) {
	src := newEnv(t)
	key := src.createKey("steady")
	e := newEnv(t)
	vacuumCopy(t, src.db, e.db)
	var lines bytes.Buffer
	for i := range 30000 {
		fmt.Fprintf(&lines, `{"alias": "imp-%06d", "name": "imported key %d with a long enough name to make pages"}`+"\n", i, i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	imp := e.command(ctx, "import", "-")
	imp.Stdin = bytes.NewReader(lines.Bytes())
	var impOut, impErr bytes.Buffer
	imp.Stdout, imp.Stderr = &impOut, &impErr
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- imp.Wait() }()
	verifies, bad := 0, 0
loop:
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("import: %v\n%s", err, impErr.String())
			}
			break loop
		default:
		}
		r := e.run(key+"\n", "verify")
		verifies++
		if r.code != 0 && bad < 3 {
			bad++
			t.Errorf("verify during the import\n%s", r)
		}
	}
	for range 3 {
		if r := e.run(key+"\n", "verify"); r.code != 0 {
			t.Errorf("verify after the import\n%s", r)
		}
	}
	t.Logf("%d verifies during the import", verifies)
	if m := journalMode(t, e.db); m != "wal" {
		t.Errorf("after the import the database is in %s mode", m)
	}
}

// pendingWAL builds, in dir, a database with a -wal file holding
// committed transactions that were never checkpointed (as a process that
// was killed leaves it), by copying the files while the writer still has
// them open. write makes the changes.
func pendingWAL(t *testing.T, path string, write func(db *sql.DB)) {
	t.Helper()
	work := filepath.Join(t.TempDir(), "w.db")
	if _, err := os.Stat(path); err == nil {
		copyFile(t, path, work)
	}
	db, err := sql.Open("sqlite", "file:"+work+"?_pragma=journal_mode(wal)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	write(db)
	for _, side := range []string{"", "-wal"} {
		copyFile(t, work+side, path+side)
	}
	db.Close()
	if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no pending -wal: %v", err)
	}
}

// TestRefusedDatabaseWithPendingWALUntouched: a foreign or newer-schema
// database whose latest changes are still in its -wal is refused, and the
// file and its -wal stay byte for byte as they were: nothing checkpointed,
// no -shm created, not even for a while.
func TestRefusedDatabaseWithPendingWALUntouched(t *testing.T) {
	cases := []struct {
		name, reason string
		make         func(t *testing.T, path string)
	}{
		{"foreign", "foreign_db", func(t *testing.T, path string) {
			pendingWAL(t, path, func(db *sql.DB) {
				if _, err := db.Exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')`); err != nil {
					t.Fatal(err)
				}
			})
		}},
		{"newer schema in the -wal", "newer_schema", func(t *testing.T, path string) {
			e := newEnv(t)
			e.createKey("old")
			copyFile(t, e.db, path)
			pendingWAL(t, path, func(db *sql.DB) {
				if _, err := db.Exec(`CREATE TABLE future (x); PRAGMA user_version = 99`); err != nil {
					t.Fatal(err)
				}
			})
		}},
		{"foreign application id in the -wal", "foreign_db", func(t *testing.T, path string) {
			e := newEnv(t)
			e.createKey("old")
			copyFile(t, e.db, path)
			pendingWAL(t, path, func(db *sql.DB) {
				if _, err := db.Exec(`PRAGMA application_id = 42; CREATE TABLE other (x)`); err != nil {
					t.Fatal(err)
				}
			})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.make(t, e.db)
			before := map[string][]byte{}
			for _, side := range []string{"", "-wal"} {
				before[side], _ = os.ReadFile(e.db + side)
			}
			created := watchCreates(t, e.dir)
			for _, args := range [][]string{{"list"}, {"create", "intruder"}, {"renew", "--all"}, {"list", "-o", "json"}} {
				r := e.run("", args...)
				checkError(t, r, 1)
				if !strings.Contains(r.stderr, e.db) {
					t.Errorf("the error does not name the file\n%s", r)
				}
				if args[len(args)-1] == "json" && !strings.Contains(r.stderr, `"`+tc.reason+`"`) {
					t.Errorf("want reason %s\n%s", tc.reason, r)
				}
			}
			for _, side := range []string{"", "-wal"} {
				if after, _ := os.ReadFile(e.db + side); !bytes.Equal(before[side], after) {
					t.Errorf("%s changed", filepath.Base(e.db+side))
				}
			}
			if _, err := os.Stat(e.db + "-shm"); err == nil {
				t.Errorf("a -shm file was left beside it")
			}
			for _, name := range created() {
				t.Errorf("keyward created %s, even if only for a while", name)
			}
		})
	}
}

// asUser runs keyward as cred (nil: as this process).
func (e *env) asUser(cred *syscall.Credential, stdin string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := e.command(ctx, args...)
	if cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return e.runCmd(c, stdin)
}

// TestVerifyOnReadOnlyDatabase: a service that may only read the database
// (group read on the file and its directory) verifies keys, lists and
// shows them, records no last_used_at, and leaves the files as they were —
// whether or not another process has the database open for writing.
func TestVerifyOnReadOnlyDatabase(t *testing.T) {
	base, cred := unprivileged(t)
	if cred == nil {
		t.Skip("needs root, to run keyward as another user who may only read the database")
	}
	e := &env{t: t, dir: filepath.Join(base, "kw")}
	e.db = filepath.Join(e.dir, "keyward.db")
	os.Mkdir(e.dir, 0o700)
	svc := filepath.Join(base, "svc")
	os.Mkdir(svc, 0o700)
	os.Chown(svc, int(cred.Uid), int(cred.Gid))
	e.vars = []string{"HOME=" + svc, "XDG_CONFIG_HOME=" + svc, "XDG_DATA_HOME=" + svc, "KEYWARD_DB=" + e.db, "PATH=" + os.Getenv("PATH"), "TZ=UTC"}
	key := strings.TrimSpace(e.asUser(nil, "", "create", "svc-key", "-q").stdout)
	var minted struct{ Token string }
	json.Unmarshal([]byte(e.asUser(nil, key+"\n", "token", "-o", "json").stdout), &minted)
	token := minted.Token
	if key == "" || token == "" {
		t.Fatal("setup failed")
	}
	// Group read for the service's group, nothing for others.
	for _, p := range []string{e.dir, e.db} {
		os.Chown(p, 0, int(cred.Gid))
	}
	os.Chmod(e.dir, 0o750)
	os.Chmod(e.db, 0o640)
	before, _ := os.ReadFile(e.db)
	check := func(t *testing.T) {
		for _, tc := range []struct {
			stdin string
			args  []string
			says  string
		}{
			{key + "\n", []string{"verify"}, "VALID"},
			{token + "\n", []string{"verify"}, "VALID"},
			{key + "\n", []string{"verify", "-o", "json"}, `"valid":true`},
			{"", []string{"show", "svc-key"}, "svc-key"},
			{"", []string{"list"}, "svc-key"},
		} {
			r := e.asUser(cred, tc.stdin, tc.args...)
			if r.code != 0 || !strings.Contains(strings.ReplaceAll(r.stdout, " ", ""), strings.ReplaceAll(tc.says, " ", "")) {
				t.Errorf("as uid %d: want exit 0 and %q\n%s", cred.Uid, tc.says, r)
			}
			checkClean(t, r)
		}
		if r := e.asUser(cred, "", "renew", "svc-key"); r.code != 1 || !strings.Contains(r.stderr, "read-only") {
			t.Errorf("a write by the reader: want exit 1, read-only\n%s", r)
		}
	}
	t.Run("closed", func(t *testing.T) {
		check(t)
		if side := sideFiles(e.db); len(side) > 0 {
			t.Errorf("the reader left %v", side)
		}
		if after, _ := os.ReadFile(e.db); !bytes.Equal(before, after) {
			t.Errorf("the file changed")
		}
	})
	t.Run("open by a writer", func(t *testing.T) {
		// The owner holds the database open with changes in its -wal.
		db, err := sql.Open("sqlite", "file:"+e.db+"?_pragma=busy_timeout(10000)&_pragma=wal_autocheckpoint(0)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(1)
		if _, err := db.Exec(`UPDATE keys SET owner = 'writer' WHERE alias = 'svc-key'`); err != nil {
			t.Fatal(err)
		}
		check(t)
		if r := e.asUser(cred, "", "show", "svc-key"); !strings.Contains(r.stdout, "writer") {
			t.Errorf("the reader does not see the change still in the -wal\n%s", r)
		}
	})
	if got := query[sql.NullInt64](t, e.db, `SELECT last_used_at FROM keys WHERE alias = 'svc-key'`); got.Valid {
		t.Errorf("last_used_at = %d, want none recorded by a reader", got.Int64)
	}
}
