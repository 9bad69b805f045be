//go:build linux

package e2e

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestServeOnReadOnlyDatabase: keyward serve run by a user who may only
// read the database (root's file, mode 0644, in a directory that user
// cannot write, or in a sticky world-writable one) verifies keys, says
// once at start that it records no last use, honours root's revocation
// from the very next request, and leaves no file of its own beside the
// database — whether the database was closed when serve started, or held
// open by a writer.
func TestServeOnReadOnlyDatabase(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dirMode os.FileMode
		open    bool // a writer holds the database open when serve starts
	}{
		{"closed", 0o755, false},
		{"sticky directory", 0o777 | os.ModeSticky, false},
		{"open by a writer", 0o755, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, cred := unprivileged(t)
			if cred == nil {
				t.Skip("needs root, to run keyward serve as another user who may only read the database")
			}
			root := &env{t: t, dir: filepath.Join(base, "kw")}
			root.db = filepath.Join(root.dir, "keyward.db")
			os.Mkdir(root.dir, 0o700)
			home := filepath.Join(base, "root-home")
			os.Mkdir(home, 0o700)
			root.vars = []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "XDG_DATA_HOME=" + home, "KEYWARD_DB=" + root.db,
				"PATH=" + os.Getenv("PATH"), "TZ=UTC"}
			key := root.createKey("svc-key")
			other := root.createKey("other-key")
			os.Chmod(root.dir, tc.dirMode)
			os.Chmod(root.db, 0o644)
			if side := sideFiles(root.db); len(side) > 0 {
				t.Fatalf("root's commands left %v", side)
			}
			if tc.open {
				db, err := sql.Open("sqlite", "file:"+root.db+"?_pragma=busy_timeout(10000)&_pragma=wal_autocheckpoint(0)")
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				db.SetMaxOpenConns(1)
				if _, err := db.Exec(`UPDATE keys SET owner = 'writer' WHERE alias = 'other-key'`); err != nil {
					t.Fatal(err)
				}
			}

			svcHome := filepath.Join(base, "svc")
			os.Mkdir(svcHome, 0o700)
			os.Chown(svcHome, int(cred.Uid), int(cred.Gid))
			svc := &env{t: t, dir: svcHome, db: root.db, cred: cred,
				vars: []string{"HOME=" + svcHome, "XDG_CONFIG_HOME=" + svcHome, "XDG_DATA_HOME=" + svcHome, "KEYWARD_DB=" + root.db,
					"PATH=" + os.Getenv("PATH"), "TZ=UTC"}}
			s := svc.startServe("")

			warning := "keyward: warning: database " + root.db + " is read-only to this user: serve verifies, but records no last use (last_used_at)\n"
			// (The file is readable by every user, which gets its own
			// warning.)
			if n := strings.Count(s.logText(), warning); n != 1 {
				t.Errorf("want the warning %q once at start, got:\n%s", warning, s.logText())
			}
			if c := s.verify(key); c != "VALID" {
				t.Fatalf("before the revocation: %s\n%s", c, s.logText())
			}
			// Each step is asked right after root's command has exited:
			// the first commit makes the -wal appear (or, when a writer
			// held it open, adds to it), the next ones add to it.
			for i, step := range []struct {
				args []string
				want string
			}{
				{[]string{"revoke", "svc-key"}, "REVOKED"},
				{[]string{"renew", "svc-key", "--reactivate"}, "VALID"},
				{[]string{"revoke", "svc-key", "--reason", "again"}, "REVOKED"},
			} {
				root.ok(step.args...)
				if c := s.verify(key); c != step.want {
					t.Errorf("step %d: right after root ran %v, serve says %s, want %s", i, step.args, c, step.want)
				}
			}
			if c := s.verify(other); c != "VALID" {
				t.Errorf("the other key: %s", c)
			}
			if code := s.stop(syscall.SIGTERM); code != 0 {
				t.Errorf("serve exited %d on SIGTERM\n%s", code, s.logText())
			}
			if strings.Contains(s.logText(), `"status":500`) {
				t.Errorf("serve answered 500\n%s", s.logText())
			}
			if got := query[sql.NullInt64](t, root.db, `SELECT last_used_at FROM keys WHERE alias = 'other-key'`); got.Valid {
				t.Errorf("last_used_at = %d, want none recorded by a reader", got.Int64)
			}
			entries, _ := os.ReadDir(root.dir)
			for _, de := range entries {
				fi, err := de.Info()
				if err != nil {
					continue
				}
				if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 {
					t.Errorf("serve left %s, owned by uid %d", de.Name(), st.Uid)
				}
			}
			// The database stays usable by its owner.
			root.ok("renew", "svc-key", "--reactivate")
			root.ok("create", "after-serve")
		})
	}
}
