//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the test drives the master, and
// keyward gets the slave as its terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open slave: %v", err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// onTerminal starts keyward with the slave as its controlling terminal
// and stdin, stdout and stderr; what it writes is collected from the
// master.
func (e *env) onTerminal(t *testing.T, master, slave *os.File, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	c := e.command(context.Background(), args...)
	c.Stdin, c.Stdout, c.Stderr = slave, slave, slave
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			out.write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	return c, out
}

// syncBuffer collects what the terminal shows while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until out contains s.
func waitFor(t *testing.T, out *syncBuffer, s string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), s); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q on the terminal; it shows %q", s, out.String())
		}
	}
}

func waitExit(t *testing.T, c *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		c.Process.Kill()
		t.Fatal("keyward still runs after 30s")
	}
	return -1
}

// TestPastePromptOnTerminal: on a real terminal verify prompts for the
// key and reads it without echo, so the secret never shows on screen;
// Ctrl-C at the prompt exits 130 and gives the terminal its echo back.
func TestPastePromptOnTerminal(t *testing.T) {
	e := newEnv(t)
	key := e.createKey("typed")

	master, slave := openPTY(t)
	c, out := e.onTerminal(t, master, slave, "verify")
	waitFor(t, out, "paste the key")
	master.Write([]byte(key + "\r"))
	if code := waitExit(t, c); code != 0 {
		t.Errorf("verify of a pasted key: exit %d\n%s", code, out.String())
	}
	waitFor(t, out, "VALID key typed")
	if strings.Contains(out.String(), key) || strings.Contains(out.String(), key[len(key)-10:]) {
		t.Errorf("the pasted key was echoed on the terminal:\n%q", out.String())
	}

	master2, slave2 := openPTY(t)
	c, out = e.onTerminal(t, master2, slave2, "verify")
	waitFor(t, out, "paste the key")
	master2.Write([]byte{3}) // Ctrl-C
	if code := waitExit(t, c); code != 130 {
		t.Errorf("Ctrl-C at the prompt: exit %d, want 130\n%q", code, out.String())
	}
	waitFor(t, out, "interrupted")
	tio, err := unix.IoctlGetTermios(int(slave2.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ECHO == 0 {
		t.Errorf("the terminal was left without echo")
	}
}

// TestDevNullIsNotATerminal: with stdin /dev/null (systemd, cron) verify
// does not prompt: it says there is no key, exit 2.
func TestDevNullIsNotATerminal(t *testing.T) {
	e := newEnv(t)
	e.createKey("present")
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for _, args := range [][]string{{"verify"}, {"token"}, {"revoke", "--key-file", "-"}} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		c := e.command(ctx, args...)
		var out, errb bytes.Buffer
		c.Stdin, c.Stdout, c.Stderr = null, &out, &errb
		err := c.Run()
		cancel()
		r := result{args: args, stdout: out.String(), stderr: errb.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		}
		checkError(t, r, 2)
		if strings.Contains(r.stderr, "paste") {
			t.Errorf("a prompt with stdin /dev/null\n%s", r)
		}
	}
}

// TestRelativeTimesRound: on a terminal, a key made with --ttl 15d a
// moment ago expires "in 15d" (rounded), not "in 14d" (truncated).
func TestRelativeTimesRound(t *testing.T) {
	e := newEnv(t)
	e.createKey("fortnight", "--ttl", "15d")
	master, slave := openPTY(t)
	c, out := e.onTerminal(t, master, slave, "list")
	if code := waitExit(t, c); code != 0 {
		t.Fatalf("list: exit %d\n%s", code, out.String())
	}
	waitFor(t, out, "fortnight")
	waitFor(t, out, "in 15d")

	// show gives the absolute time with the relative one beside it.
	master2, slave2 := openPTY(t)
	c, out = e.onTerminal(t, master2, slave2, "show", "fortnight")
	if code := waitExit(t, c); code != 0 {
		t.Fatalf("show: exit %d\n%s", code, out.String())
	}
	waitFor(t, out, "Z (in 15d)")
	if !regexp.MustCompile(`CREATED +20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ \((now|\d+s ago)\)`).MatchString(out.String()) {
		t.Errorf("show's CREATED has no relative time beside it:\n%s", out.String())
	}
}

// TestStatusColour: on a terminal an expired or revoked status is
// coloured and the columns stay aligned; with NO_COLOR, or piped, there
// is no escape at all.
func TestStatusColour(t *testing.T) {
	e := newEnv(t)
	e.createKey("gone")
	e.ok("revoke", "gone")
	e.createKey("fine")
	for _, noColor := range []string{"", "1"} {
		e.setenv("NO_COLOR", noColor)
		e.setenv("TERM", "xterm-256color")
		master, slave := openPTY(t)
		c, out := e.onTerminal(t, master, slave, "list", "--status", "all")
		if code := waitExit(t, c); code != 0 {
			t.Fatalf("list: exit %d\n%s", code, out.String())
		}
		waitFor(t, out, "fine")
		s := out.String()
		if noColor == "" && !strings.Contains(s, "\x1b[31mrevoked\x1b[0m") {
			t.Errorf("no red revoked on a terminal:\n%q", s)
		}
		if noColor != "" && strings.Contains(s, "\x1b[") {
			t.Errorf("an escape with NO_COLOR=1:\n%q", s)
		}
		if noColor == "" && strings.Contains(s, "\x1b[31mactive") {
			t.Errorf("an active key coloured:\n%q", s)
		}
		// The EXPIRES column starts at the same place on every row.
		var at []int
		for _, line := range strings.Split(strings.ReplaceAll(strings.ReplaceAll(s, "\x1b[31m", ""), "\x1b[0m", ""), "\r\n") {
			if i := strings.Index(line, "in 15d"); i >= 0 {
				at = append(at, i)
			}
		}
		if len(at) != 2 || at[0] != at[1] {
			t.Errorf("columns not aligned (%v):\n%s", at, s)
		}
	}
	e.setenv("NO_COLOR", "")
	if r := e.run("", "list", "--status", "all"); strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("an escape when piped\n%s", r)
	}
}
