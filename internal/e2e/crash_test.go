//go:build linux

package e2e

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// addBulkKeys inserts n keys straight into a keyward database, the way
// only a migration tool would: enough rows to make renew --all last long
// enough to be interrupted.
func addBulkKeys(t *testing.T, path string, n int) {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	_, err := db.Exec(`WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < ?)
		INSERT INTO keys (id, alias, hash, name, masked, ttl_seconds, token_ttl_seconds, created_at, updated_at, expires_at)
		SELECT printf('b%011d', n), printf('bulk-%07d', n), printf('%064d', n), printf('bulk key %d', n), 'kw_…',
			86400, 3600, 500, 500, ? FROM i`, n, oldExpiry)
	if err != nil {
		t.Fatal(err)
	}
}

// bulkTemplate is a closed keyward database holding n bulk keys, with no
// -wal file beside it, to be copied for each attempt.
func bulkTemplate(t *testing.T, n int) string {
	t.Helper()
	e := newEnv(t)
	e.emptyDB()
	addBulkKeys(t, e.db, n)
	if _, err := os.Stat(e.db + "-wal"); err == nil {
		t.Fatalf("template %s still has a -wal file", e.db)
	}
	return e.db
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// renewedState tells whether every bulk key was renewed ("all"), none
// was ("none"), or the batch was half-applied (anything else).
func renewedState(t *testing.T, path string) string {
	t.Helper()
	db := openDB(t, path)
	defer db.Close()
	var distinct, old int
	if err := db.QueryRow(`SELECT count(DISTINCT expires_at), count(*) FILTER (WHERE expires_at = ?) FROM keys`, oldExpiry).Scan(&distinct, &old); err != nil {
		t.Fatal(err)
	}
	switch {
	case distinct == 1 && old > 0:
		return "none"
	case distinct == 1:
		return "all"
	}
	return "half"
}

// startWhenWriting starts c and returns once the database's WAL has
// grown past a few pages, so that the write transaction is under way, or
// once the process has ended.
func startWhenWriting(t *testing.T, c *exec.Cmd, db string) {
	t.Helper()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	stat := fmt.Sprintf("/proc/%d/stat", c.Process.Pid)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if fi, err := os.Stat(db + "-wal"); err == nil && fi.Size() > 256<<10 {
			return
		}
		// A zombie has ended; Wait, which reaps it, is the caller's.
		if b, err := os.ReadFile(stat); err != nil || strings.Contains(string(b), ") Z ") {
			return
		}
	}
	t.Fatalf("keyward %v neither wrote nor ended", c.Args[1:])
}

// TestKillLoopOfWrites kills writers with SIGKILL 25 times at random
// moments: the file stays sound, and every create that reported success
// (exit 0, or a key printed) is there.
func TestKillLoopOfWrites(t *testing.T) {
	const rounds = 25
	e := newEnv(t)
	e.createKey("crash-target")
	addBulkKeys(t, e.db, 1500) // renew --all takes a while: something to interrupt
	var acknowledged, killed, exited int
	keysPrinted := map[string]string{} // alias -> key string
	writers := func(ctx context.Context, round int) []*exec.Cmd {
		return []*exec.Cmd{
			e.command(ctx, "create", fmt.Sprintf("crash-%02d", round), "-q"),
			e.command(ctx, "renew", "--all", "-o", "json"),
			e.command(ctx, "update", "crash-target", "--owner", fmt.Sprintf("owner-%02d", round)),
			e.command(ctx, "revoke", fmt.Sprintf("crash-%02d", round-1)),
		}
	}
	// One round run to the end tells how long the writers take here, so
	// that the random moments fall before, during and after their work.
	start := time.Now()
	calibration := writers(context.Background(), -1)
	for _, c := range calibration {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range calibration {
		c.Wait()
	}
	span := time.Since(start) * 3 / 2
	for round := range rounds {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		alias := fmt.Sprintf("crash-%02d", round)
		cmds := writers(ctx, round)
		var createOut strings.Builder
		cmds[0].Stdout = &createOut
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(rand.N(span)) // the random moment
		for _, c := range cmds {
			c.Process.Signal(syscall.SIGKILL)
		}
		for i, c := range cmds {
			err := c.Wait()
			if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				killed++
			} else {
				exited++
			}
			if i == 0 {
				key := strings.TrimSpace(createOut.String())
				if err == nil && key == "" {
					t.Errorf("create %s exited 0 without printing a key", alias)
				}
				// create writes the key, then commits: a key printed by a
				// process killed before its commit was never created, and
				// its exit status says so. Exit 0 is the acknowledgement.
				if key != "" && err == nil {
					keysPrinted[alias] = key
					acknowledged++
				}
			}
		}
		cancel()
	}
	t.Logf("%d rounds: %d processes killed, %d had finished; %d creates acknowledged", rounds, killed, exited, acknowledged)
	if killed == 0 {
		t.Fatal("no process was killed: the test proves nothing")
	}
	if got := integrity(t, e.db); got != "ok" {
		t.Fatalf("integrity_check after %d kills = %q", killed, got)
	}
	db := openDB(t, e.db)
	defer db.Close()
	for alias, key := range keysPrinted {
		var got string
		if err := db.QueryRow(`SELECT alias FROM keys WHERE hash = ?`, keys.Hash(key)).Scan(&got); err != nil || got != alias {
			t.Errorf("create %s reported success but its key is not stored (%q, %v)", alias, got, err)
		}
	}
	// Every renew --all gives all bulk keys one new expiry; a batch
	// applied half-way would leave two.
	var expiries int
	if err := db.QueryRow(`SELECT count(DISTINCT expires_at) FROM keys WHERE alias LIKE 'bulk-%'`).Scan(&expiries); err != nil || expiries != 1 {
		t.Errorf("bulk keys have %d different expiries (%v): a renew --all was half-applied", expiries, err)
	}
	e.ok("list", "--status", "all") // and the database is still usable
}

// TestKillRenewAllMidway: renew --all over many keys, killed while its
// transaction is writing, leaves every key renewed or none.
func TestKillRenewAllMidway(t *testing.T) {
	template := bulkTemplate(t, 40000)
	outcomes := map[string]int{}
	for attempt := 0; attempt < 3; attempt++ {
		e := newEnv(t)
		copyFile(t, template, e.db)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		c := e.command(ctx, "renew", "--all", "-o", "json")
		c.Stdout = io.Discard
		startWhenWriting(t, c, e.db)
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
		cancel()
		state := renewedState(t, e.db)
		outcomes[state]++
		if state == "half" {
			t.Errorf("attempt %d: renew --all killed mid-way left some keys renewed and others not", attempt)
		}
		if got := integrity(t, e.db); got != "ok" {
			t.Errorf("attempt %d: integrity_check = %q", attempt, got)
		}
	}
	t.Logf("outcomes after SIGKILL: %v", outcomes)
	if outcomes["none"] == 0 {
		t.Errorf("no kill landed inside the transaction (%v): the test proves nothing", outcomes)
	}
}

// TestInterruptRollsBack: SIGINT or SIGTERM while renew --all is writing
// rolls the transaction back and exits 130 with one error line.
func TestInterruptRollsBack(t *testing.T) {
	template := bulkTemplate(t, 40000)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			e := newEnv(t)
			copyFile(t, template, e.db)
			before := query[string](t, e.db, `SELECT group_concat(expires_at || updated_at, ',') FROM (SELECT expires_at, updated_at FROM keys ORDER BY id)`)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c := e.command(ctx, "renew", "--all", "-o", "json")
			var out, errb strings.Builder
			c.Stdout, c.Stderr = &out, &errb
			startWhenWriting(t, c, e.db)
			c.Process.Signal(sig)
			err := c.Wait()
			r := result{args: c.Args[1:], stdout: out.String(), stderr: errb.String()}
			if ee, ok := err.(*exec.ExitError); ok {
				r.code = ee.ExitCode()
			}
			checkError(t, r, 130)
			if !strings.Contains(r.stderr, "interrupted") {
				t.Errorf("the error does not say interrupted\n%s", r)
			}
			if state := renewedState(t, e.db); state != "none" {
				t.Errorf("after %v the batch is %q, want none renewed", sig, state)
			}
			after := query[string](t, e.db, `SELECT group_concat(expires_at || updated_at, ',') FROM (SELECT expires_at, updated_at FROM keys ORDER BY id)`)
			if after != before {
				t.Errorf("keys changed although the command was interrupted")
			}
			if got := integrity(t, e.db); got != "ok" {
				t.Errorf("integrity_check = %q", got)
			}
		})
	}
}

// TestInterruptWhileWaitingForLock: Ctrl-C while waiting behind another
// process's write transaction ends with exit 130 and writes nothing.
func TestInterruptWhileWaitingForLock(t *testing.T) {
	e := newEnv(t)
	e.emptyDB()
	db := openDB(t, e.db)
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), `ROLLBACK`)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := e.command(ctx, "create", "waiting")
	var out, errb strings.Builder
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// Once it has the database open it is past installing its signal
	// handler, and from there on waits for the lock.
	waitOpened(t, c.Process.Pid, e.db)
	c.Process.Signal(syscall.SIGINT)
	err = c.Wait()
	r := result{args: c.Args[1:], stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	}
	checkError(t, r, 130)
	conn.ExecContext(context.Background(), `ROLLBACK`)
	if n := query[int](t, e.db, `SELECT count(*) FROM keys WHERE alias = 'waiting'`); n != 0 {
		t.Errorf("interrupted create left a row")
	}
}

// waitOpened returns once process pid has path open.
func waitOpened(t *testing.T, pid int, path string) {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		fds, _ := os.ReadDir(dir)
		for _, fd := range fds {
			if target, _ := os.Readlink(filepath.Join(dir, fd.Name())); target == path {
				return
			}
		}
	}
	t.Fatalf("process %d never opened %s", pid, path)
}

// TestInterruptAfterCommit: create writes the key, then commits. A signal
// that arrives while the key is still being printed (stdout a full pipe)
// ends it with exit 130 and nothing committed: no key exists whose only
// copy a script threw away.
func TestInterruptAfterCommit(t *testing.T) {
	e := newEnv(t)
	e.emptyDB()
	// A full pipe as stdout: keyward blocks printing the key, before it
	// commits.
	r, w, filled := fullPipe(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := e.command(ctx, "create", "late-signal", "-q")
	c.Stdout = w
	var errb strings.Builder
	c.Stderr = &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	waitOpened(t, c.Process.Pid, e.db)
	waitIdle(t, c.Process.Pid) // blocked in the write
	c.Process.Signal(syscall.SIGINT)
	// Let keyward take the signal in before the write returns: otherwise
	// the write may finish first, and the commit rightly goes ahead.
	waitIdle(t, c.Process.Pid)
	io.ReadAll(r) // unblocks the write
	err := c.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	_ = filled
	if code != 130 {
		t.Errorf("create interrupted while printing its key exited %d, want 130: %s", code, errb.String())
	}
	if n := query[int](t, e.db, `SELECT count(*) FROM keys WHERE alias = 'late-signal'`); n != 0 {
		t.Errorf("the key was committed although create was interrupted before its commit")
	}
}

// TestKillDuringFirstOpen: a process killed while it creates and
// migrates a new database leaves a file the next process can use, not
// one refused as foreign or truncated.
func TestKillDuringFirstOpen(t *testing.T) {
	const rounds = 10
	start := time.Now()
	newEnv(t).createKey("calibrate")
	span := time.Since(start) * 3 / 2
	killed := 0
	for round := range rounds {
		e := newEnv(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		c := e.command(ctx, "create", "first", "-q")
		var out strings.Builder
		c.Stdout = &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		delay := rand.N(span)
		if round%2 == 0 {
			delay /= 4 // early: in the middle of creating the file
		}
		time.Sleep(delay)
		c.Process.Signal(syscall.SIGKILL)
		if err := c.Wait(); err != nil {
			killed++
		}
		cancel()
		r := e.run("", "create", "second", "-q")
		if r.code != 0 {
			t.Errorf("round %d: after a kill during the first create, the next create fails\n%s", round, r)
			continue
		}
		if key := strings.TrimSpace(out.String()); key != "" {
			if n := query[int](t, e.db, `SELECT count(*) FROM keys WHERE alias = 'first' AND hash = ?`, keys.Hash(key)); n != 1 {
				t.Errorf("round %d: the first key was printed but is not stored", round)
			}
		}
		if got := integrity(t, e.db); got != "ok" {
			t.Errorf("round %d: integrity_check = %q", round, got)
		}
	}
	t.Logf("%d of %d first creates killed", killed, rounds)
	if killed == 0 {
		t.Error("no process was killed: the test proves nothing")
	}
}
