//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// sideFiles lists the SQLite files next to path.
func sideFiles(path string) []string {
	var out []string
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + suffix); err == nil {
			out = append(out, filepath.Base(path+suffix))
		}
	}
	return out
}

// watchCreates records the files created in dir from now on; the
// returned function lists them. It sees side files that exist only while
// a process has a database open.
func watchCreates(t *testing.T, dir string) func() []string {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Skipf("inotify: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_CREATE); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		var names []string
		buf := make([]byte, 64<<10)
		for {
			n, err := syscall.Read(fd, buf)
			if n <= 0 || err != nil {
				return names
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
				name := buf[off+syscall.SizeofInotifyEvent : off+syscall.SizeofInotifyEvent+int(ev.Len)]
				names = append(names, strings.TrimRight(string(name), "\x00"))
				off += syscall.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}
}

// foreignSQLite writes another application's SQLite database.
func foreignSQLite(t *testing.T, path, journalMode string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode("+journalMode+")")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`, `INSERT INTO notes (body) VALUES ('not keys')`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRefusesForeignFiles: a file that is not keyward's database is
// refused with exit 1, a message naming the case and what to do, and is
// left byte for byte as it was, with no side files.
func TestRefusesForeignFiles(t *testing.T) {
	cases := []struct {
		name   string
		make   func(t *testing.T, path string)
		reason string // the JSON error code
		says   string // in the error line
	}{
		{"random bytes", func(t *testing.T, path string) {
			b := make([]byte, 8192)
			rand.Read(b)
			os.WriteFile(path, b, 0o600)
		}, "not_sqlite", "is not a SQLite database"},
		{"text file", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("db: /var/lib/keyward/keyward.db\nkey_prefix: kw\n"), 0o600)
		}, "not_sqlite", "is not a SQLite database"},
		{"other application's SQLite", func(t *testing.T, path string) {
			foreignSQLite(t, path, "delete")
		}, "foreign_db", "another application's SQLite database"},
		{"other application's SQLite in WAL mode", func(t *testing.T, path string) {
			foreignSQLite(t, path, "wal")
		}, "foreign_db", "another application's SQLite database"},
		{"truncated keyward database", func(t *testing.T, path string) {
			e := newEnv(t)
			e.emptyDB()
			addBulkKeys(t, e.db, 300)
			b, _ := os.ReadFile(e.db)
			os.WriteFile(path, b[:len(b)/2], 0o600)
		}, "truncated", "is truncated"},
		{"keyward database cut inside its header", func(t *testing.T, path string) {
			e := newEnv(t)
			e.emptyDB()
			b, _ := os.ReadFile(e.db)
			os.WriteFile(path, b[:60], 0o600)
		}, "truncated", "is truncated"},
		{"keyward database with a newer schema", func(t *testing.T, path string) {
			e := newEnv(t)
			e.createKey("from-the-future")
			db := openDB(t, e.db)
			if _, err := db.Exec(`PRAGMA user_version = 99`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			b, _ := os.ReadFile(e.db)
			os.WriteFile(path, b, 0o600)
		}, "newer_schema", "newer than this keyward knows"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.make(t, e.db)
			if side := sideFiles(e.db); len(side) > 0 {
				t.Fatalf("setup left %v", side)
			}
			before, err := os.ReadFile(e.db)
			if err != nil {
				t.Fatal(err)
			}
			created := watchCreates(t, e.dir)
			for _, args := range [][]string{{"list"}, {"create", "intruder"}, {"show", "intruder"}, {"renew", "--all"}} {
				r := e.run("", args...)
				checkError(t, r, 1)
				if !strings.Contains(r.stderr, tc.says) || !strings.Contains(r.stderr, e.db) {
					t.Errorf("error does not name the file and say it %s\n%s", tc.says, r)
				}
				if !strings.Contains(r.stderr, "keyward: hint: ") {
					t.Errorf("no hint saying what to do\n%s", r)
				}
			}
			r := e.run("", "list", "-o", "json")
			var obj struct{ Error struct{ Code string } }
			if json.Unmarshal([]byte(r.stderr), &obj); r.code != 1 || obj.Error.Code != tc.reason {
				t.Errorf("JSON error code %q, want %q\n%s", obj.Error.Code, tc.reason, r)
			}
			after, err := os.ReadFile(e.db)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("the file was modified")
			}
			if side := sideFiles(e.db); len(side) > 0 {
				t.Errorf("keyward left %v beside the file", side)
			}
			for _, name := range created() {
				if strings.HasPrefix(name, filepath.Base(e.db)) {
					t.Errorf("keyward created %s beside the file, even if only for a while", name)
				}
			}
		})
	}
}

// umask000 wraps keyward in a shell that clears the umask first.
func (e *env) umask000(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, "sh", append([]string{"-c", `umask 000; exec "$0" "$@"`, bin}, args...)...)
	c.Env = e.vars
	c.Dir = e.dir
	return c
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestPrivateFilesUnderUmask000: the database, its -wal and -shm files
// are 0600 and new directories 0700 even when the umask allows all.
func TestPrivateFilesUnderUmask000(t *testing.T) {
	e := newEnv(t)
	e.db = filepath.Join(e.dir, "new", "deeper", "keyward.db")
	e.setenv("KEYWARD_DB", e.db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if r := e.runCmd(e.umask000(ctx, "create", "private", "-q"), ""); r.code != 0 {
		t.Fatalf("create under umask 000\n%s", r)
	}
	for _, p := range []struct {
		path string
		want os.FileMode
	}{{filepath.Join(e.dir, "new"), 0o700}, {filepath.Join(e.dir, "new", "deeper"), 0o700}, {e.db, 0o600}} {
		if got := mode(t, p.path); got != p.want {
			t.Errorf("%s has mode %04o, want %04o", p.path, got, p.want)
		}
	}

	// list streams its rows: with stdout a full pipe it blocks in the
	// middle of its read transaction, while its -wal and -shm exist.
	addBulkKeys(t, e.db, 1000)
	if side := sideFiles(e.db); len(side) > 0 {
		t.Fatalf("the test's own connection left %v", side)
	}
	r, w, _ := fullPipe(t)
	c := e.umask000(ctx, "list", "-o", "json")
	c.Stdout = w
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	for deadline := time.Now().Add(30 * time.Second); len(sideFiles(e.db)) < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("keyward did not open the database: side files %v", sideFiles(e.db))
		}
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if got := mode(t, e.db+suffix); got != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", e.db+suffix, got)
		}
	}
	io.Copy(io.Discard, r)
	if err := c.Wait(); err != nil {
		t.Errorf("list: %v", err)
	}
}

// TestWarnsWhenDatabaseReadable: a database that group or others can
// read gets a warning on every command that opens it, not an error.
func TestWarnsWhenDatabaseReadable(t *testing.T) {
	e := newEnv(t)
	e.createKey("exposed")
	for _, perm := range []os.FileMode{0o644, 0o640, 0o604} {
		if err := os.Chmod(e.db, perm); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"list"}, {"list", "-o", "json"}, {"show", "exposed"}, {"renew", "exposed"},
			{"update", "exposed", "--owner", "ops"}, {"create", fmt.Sprintf("exposed-%o", perm), "-q"}, {"revoke", fmt.Sprintf("exposed-%o", perm)},
		} {
			r := e.run("", args...)
			if r.code != 0 {
				t.Errorf("mode %04o: want exit 0\n%s", perm, r)
			}
			if !strings.Contains(r.stderr, "keyward: warning: ") || !strings.Contains(r.stderr, "readable by other users") {
				t.Errorf("mode %04o: no warning\n%s", perm, r)
			}
			if strings.Contains(r.stderr, "keyward: error:") {
				t.Errorf("mode %04o: an error instead of a warning\n%s", perm, r)
			}
		}
	}
	os.Chmod(e.db, 0o600)
	if r := e.run("", "list"); strings.Contains(r.stderr, "warning") {
		t.Errorf("mode 0600 still warns\n%s", r)
	}
}

// unprivileged prepares a directory and a command runner for a user that
// file permissions bind: root is not bound by them, so as root the test
// runs keyward as nobody.
func unprivileged(t *testing.T) (dir string, runAs *syscall.Credential) {
	t.Helper()
	dir, err := os.MkdirTemp("", "keyward-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { os.Chmod(p, 0o700); return nil })
		os.RemoveAll(dir)
	})
	if os.Geteuid() != 0 {
		return dir, nil
	}
	os.Chmod(dir, 0o755)
	cred := &syscall.Credential{Uid: 65534, Gid: 65534}
	probe := exec.Command(bin, "version")
	probe.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := probe.CombinedOutput(); err != nil {
		t.Skipf("running as root, and the built keyward cannot run as uid 65534 here (%v: %s)", err, out)
	}
	return dir, cred
}

// TestReadOnlyDuringWrite: a read-only database file or directory makes
// a write fail with exit 1 and a clear message, and changes nothing.
func TestReadOnlyDuringWrite(t *testing.T) {
	for _, what := range []string{"file", "directory"} {
		t.Run(what, func(t *testing.T) {
			base, cred := unprivileged(t)
			e := &env{t: t, dir: filepath.Join(base, "kw")}
			e.db = filepath.Join(e.dir, "keyward.db")
			os.Mkdir(e.dir, 0o700)
			e.vars = []string{"HOME=" + e.dir, "XDG_CONFIG_HOME=" + e.dir, "XDG_DATA_HOME=" + e.dir, "KEYWARD_DB=" + e.db, "PATH=" + os.Getenv("PATH")}
			run := func(args ...string) result {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				c := e.command(ctx, args...)
				if cred != nil {
					c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
				}
				return e.runCmd(c, "")
			}
			if cred != nil {
				os.Chown(e.dir, int(cred.Uid), int(cred.Gid))
			}
			for _, a := range []string{"ro-a", "ro-b"} {
				if r := run("create", a, "-q"); r.code != 0 {
					t.Fatalf("setup\n%s", r)
				}
			}
			before := dump(t, e.db)
			// dump opened the file as this user; make sure what it left
			// behind is the other user's to use.
			if cred != nil {
				filepath.Walk(e.dir, func(p string, _ os.FileInfo, _ error) error {
					return os.Chown(p, int(cred.Uid), int(cred.Gid))
				})
			}
			target := e.db
			perm := os.FileMode(0o400)
			if what == "directory" {
				target, perm = e.dir, 0o500
			}
			if err := os.Chmod(target, perm); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"create", "ro-new"}, {"renew", "ro-a", "ro-b"}, {"revoke", "ro-a"}, {"renew", "--all", "-o", "json"}} {
				r := run(args...)
				checkError(t, r, 1)
				if !strings.Contains(r.stderr, "read-only") {
					t.Errorf("the error does not say read-only\n%s", r)
				}
			}
			os.Chmod(target, 0o700)
			if after := dump(t, e.db); after != before {
				t.Errorf("the database changed although every write failed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// TestDiskFullDuringWrite: a write that cannot grow the files (here: a
// file size limit, which fails writes the way a full disk does) exits 1
// with a clear message and commits nothing.
func TestDiskFullDuringWrite(t *testing.T) {
	e := newEnv(t)
	copyFile(t, bulkTemplate(t, 20000), e.db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// 1024 blocks (512 KiB in sh's 512-byte blocks): the renewal's WAL
	// needs several MiB.
	c := exec.CommandContext(ctx, "sh", "-c", `ulimit -f 1024; exec "$0" "$@"`, bin, "renew", "--all", "-o", "json")
	c.Env, c.Dir = e.vars, e.dir
	r := e.runCmd(c, "")
	checkError(t, r, 1)
	if !strings.Contains(r.stderr, "nothing was changed") || !strings.Contains(r.stderr, "disk full") {
		t.Errorf("the error does not say the disk may be full and nothing was changed\n%s", r)
	}
	if state := renewedState(t, e.db); state != "none" {
		t.Errorf("after the failed write the batch is %q, want none renewed", state)
	}
	if got := integrity(t, e.db); got != "ok" {
		t.Errorf("integrity_check = %q", got)
	}
}
