//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startBlocked starts c with its stdin a pipe that stays open and empty,
// and waits until it has reached the point where it waits.
func startBlocked(t *testing.T, c *exec.Cmd) (stdout, stderr *bytes.Buffer, done chan error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	c.Stdin = r
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	c.Stdout, c.Stderr = stdout, stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	done = make(chan error, 1)
	go func() { done <- c.Wait() }()
	waitIdle(t, c.Process.Pid)
	return stdout, stderr, done
}

// waitIdle waits until the process pid has settled into a wait: every
// thread asleep and no CPU time spent across a few looks. A fixed pause
// is not enough on a loaded machine, where a signal sent before the
// process reached main would kill it the default way.
func waitIdle(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	last, still := "", 0
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		snap, asleep := threadStates(pid)
		if asleep && snap == last {
			still++
		} else {
			still = 0
		}
		last = snap
		if still >= 4 {
			return
		}
	}
	t.Fatalf("process %d never settled into a wait", pid)
}

// threadStates returns the CPU times of pid's threads, and whether all of
// them are asleep.
func threadStates(pid int) (string, bool) {
	stats, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "stat"))
	var b strings.Builder
	asleep := len(stats) > 0
	for _, p := range stats {
		raw, err := os.ReadFile(p)
		if err != nil {
			return "", false
		}
		// The fields after the parenthesised command name: state is the
		// first, utime and stime the 12th and 13th.
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
		if len(f) < 13 {
			return "", false
		}
		asleep = asleep && (f[0] == "S" || f[0] == "D")
		b.WriteString(f[11] + "/" + f[12] + " ")
	}
	return b.String(), asleep
}

// TestSignalsWhileWaitingForInput: SIGINT and SIGTERM end keyward with
// exit 130 and one error line wherever it waits for input that does not
// come: a key on stdin, an import on stdin, a FIFO as --key-file or
// --config. A FIFO as --db is refused at once.
func TestSignalsWhileWaitingForInput(t *testing.T) {
	e := newEnv(t)
	e.createKey("present")
	fifo := filepath.Join(e.dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	cases := [][]string{
		{"verify"},
		{"verify", "--key-file", "-"},
		{"token"},
		{"revoke", "--key-file", "-"},
		{"import"},
		{"import", "-"},
		{"import", fifo},
		{"verify", "--key-file", fifo},
		{"token", "--key-file", fifo},
		{"--config", fifo, "list"},
		{"verify", "-o", "json"},
		{"--config", fifo, "list", "-o", "json"},
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		for _, args := range cases {
			t.Run(sig.String()+" "+strings.Join(args, " "), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				c := e.command(ctx, args...)
				stdout, stderr, done := startBlocked(t, c)
				if err := c.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				var err error
				select {
				case err = <-done:
				case <-time.After(30 * time.Second):
					c.Process.Kill()
					t.Fatalf("keyward %v still waits 30s after %v", args, sig)
				}
				r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
				if ee, ok := err.(*exec.ExitError); ok {
					r.code = ee.ExitCode()
				}
				checkError(t, r, 130)
				if args[len(args)-1] == "json" {
					var obj struct{ Error struct{ Code string } }
					if json.Unmarshal([]byte(r.stderr), &obj); obj.Error.Code != "interrupted" {
						t.Errorf("want a JSON error with code interrupted\n%s", r)
					}
				} else if !strings.Contains(r.stderr, "interrupted") {
					t.Errorf("the error does not say interrupted\n%s", r)
				}
			})
		}
	}
	r := e.run("", "--db", fifo, "list")
	checkError(t, r, 1)
	if !strings.Contains(r.stderr, "not a regular file") {
		t.Errorf("a FIFO as --db\n%s", r)
	}
}

// TestTimeoutStopsKeyward: timeout(1) ends a keyward that waits for a key
// that never comes.
func TestTimeoutStopsKeyward(t *testing.T) {
	tm, err := exec.LookPath("timeout")
	if err != nil {
		t.Skip("no timeout(1) here")
	}
	e := newEnv(t)
	e.createKey("present")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, tm, "1", bin, "verify")
	c.Env, c.Dir = e.vars, e.dir
	_, stderr, done := startBlocked(t, c)
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		c.Process.Kill()
		t.Fatal("timeout 1 keyward verify still runs after 30s")
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 124 {
		t.Errorf("timeout exit: %v, want 124 (it had to stop keyward)", err)
	}
	if !strings.Contains(stderr.String(), "keyward: error: interrupted") {
		t.Errorf("stderr: %q", stderr.String())
	}
}
