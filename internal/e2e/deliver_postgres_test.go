//go:build linux

package e2e

import (
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres/pgtest"
)

// printing is a keyward process blocked while it prints a new key to a
// full pipe, its transaction open.
type printing struct {
	c      *exec.Cmd
	out    *os.File // the pipe's reading end: reading it lets the print end
	filled int      // bytes in the pipe before keyward's output
	stderr strings.Builder
}

// startPrinting starts keyward with args and waits until it holds a
// transaction open on the server while it writes to its full stdout.
func startPrinting(t *testing.T, e *pgEnv, stdin string, args ...string) *printing {
	t.Helper()
	r, w, filled := fullPipe(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	p := &printing{c: e.command(ctx, args...), out: r, filled: filled}
	p.c.Stdin, p.c.Stdout, p.c.Stderr = strings.NewReader(stdin), w, &p.stderr
	if err := p.c.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	deadline := time.Now().Add(30 * time.Second)
	for pgQuery[int64](t, e, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("keyward %v never held a transaction open: %s", args, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitIdle(t, p.c.Process.Pid) // blocked in the write
	return p
}

// finish drains the pipe and waits for keyward: its exit code and what
// it printed.
func (p *printing) finish(t *testing.T) (code int, stdout string) {
	t.Helper()
	b, _ := io.ReadAll(p.out)
	err := p.c.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, string(b[p.filled:])
}

// TestPostgresInterruptWhilePrinting: on PostgreSQL as on SQLite, a
// signal that comes while a new key string is still being printed ends
// keyward with exit 130 and nothing committed: no key, no rotation, no
// event.
func TestPostgresInterruptWhilePrinting(t *testing.T) {
	e := newPGEnv(t)
	kept := e.createKey("kept")
	for _, tc := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"create", "late-signal", "-q"}},
		{`{"alias": "late-1"}` + "\n" + `{"alias": "late-2"}` + "\n", []string{"import", "-"}},
		{"", []string{"rotate", "kept", "-q"}},
	} {
		p := startPrinting(t, e, tc.stdin, tc.args...)
		p.c.Process.Signal(syscall.SIGINT)
		// Let keyward take the signal in before the write returns:
		// otherwise the write may finish first, and the commit rightly
		// goes ahead.
		waitIdle(t, p.c.Process.Pid)
		code, _ := p.finish(t)
		if code != 130 {
			t.Errorf("%v interrupted while printing exited %d, want 130: %s", tc.args, code, p.stderr.String())
		}
		if n := pgQuery[int64](t, e, `SELECT count(*) FROM keys`); n != 1 {
			t.Errorf("%v committed a key although it was interrupted before its commit", tc.args)
		}
		if n := pgQuery[int64](t, e, `SELECT count(*) FROM events`); n != 1 {
			t.Errorf("%v committed an event although it was interrupted before its commit", tc.args)
		}
		if n := pgQuery[int64](t, e, `SELECT count(*) FROM keys WHERE hash = $1`, keys.Hash(kept)); n != 1 {
			t.Errorf("%v: the kept key lost its string", tc.args)
		}
	}
}

// TestPostgresPrintedKeyNotSaved: when the commit fails after the key was
// printed (here another writer made the key's scope admin-only meanwhile,
// so that PostgreSQL's retry of the transaction refuses it), keyward
// says plainly that the printed key was not saved, exits 1, and nothing
// is stored. The same conflict on a scope the key does not hold is
// retried with the same key, which is then stored as printed.
func TestPostgresPrintedKeyNotSaved(t *testing.T) {
	e := newPGEnv(t)
	e.ok("scopes", "add", "backup:read")
	p := startPrinting(t, e, "", "create", "retried", "--scope", "backup:read", "-q")
	pgtest.Collide(t, e.conn, "retried", `INSERT INTO scopes (name, description, admin_only, created_at) VALUES ('other', '', false, 0)`)
	code, out := p.finish(t)
	key := strings.TrimSpace(out)
	if code != 0 || p.stderr.String() != "" {
		t.Fatalf("a create retried after printing its key exited %d: %s", code, p.stderr.String())
	}
	if n := pgQuery[int64](t, e, `SELECT count(*) FROM keys WHERE alias = 'retried' AND hash = $1`, keys.Hash(key)); n != 1 {
		t.Errorf("the printed key %q is not the one stored", key)
	}
	if seq := pgQuery[int64](t, e, `SELECT seq FROM keys WHERE alias = 'retried'`); seq < 2 {
		t.Errorf("the create was not retried (seq %d): the test proves nothing", seq)
	}

	p = startPrinting(t, e, "", "create", "refused", "--scope", "backup:read", "-q")
	pgtest.Collide(t, e.conn, "refused", `UPDATE scopes SET admin_only = true WHERE name = 'backup:read'`)
	code, out = p.finish(t)
	r := result{args: []string{"create", "refused"}, code: code, stdout: out, stderr: p.stderr.String()}
	if code != 1 || !strings.HasPrefix(r.stderr, "keyward: error: the key printed above was not saved: ") ||
		!strings.Contains(r.stderr, "keyward: hint: discard it") {
		t.Errorf("want exit 1 saying the printed key was not saved\n%s", r)
	}
	if !strings.HasPrefix(out, "kw_") {
		t.Errorf("the key was not printed\n%s", r)
	}
	if n := pgQuery[int64](t, e, `SELECT count(*) FROM keys WHERE alias = 'refused'`); n != 0 {
		t.Error("the refused key was stored")
	}
	checkClean(t, r)
	if mentionsRetryable(r.stderr) {
		t.Errorf("a user saw a serialization failure\n%s", r)
	}
}
