//go:build linux

package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/output"
	"golang.org/x/sys/unix"
)

// sizePTY gives the terminal cols columns, as a terminal emulator does.
func sizePTY(t *testing.T, master *os.File, cols int) {
	t.Helper()
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: uint16(cols)}); err != nil {
		t.Skipf("cannot size the terminal: %v", err)
	}
}

// onSizedTerminal runs keyward on a terminal cols wide, waits until it
// shows wait, and returns its lines as the terminal shows them.
func (e *env) onSizedTerminal(t *testing.T, cols int, wait string, args ...string) []string {
	t.Helper()
	master, slave := openPTY(t)
	sizePTY(t, master, cols)
	c, out := e.onTerminal(t, master, slave, args...)
	if code := waitExit(t, c); code != 0 {
		t.Fatalf("keyward %v: exit %d\n%s", args, code, out.String())
	}
	waitFor(t, out, wait)
	return strings.Split(strings.TrimRight(out.String(), "\r\n"), "\r\n")
}

// TestTablesFitTheTerminal: on a terminal a table is no wider than the
// terminal (COLUMNS, when set, says how wide that is), long names end in
// "…" while aliases and ids stay whole; piped, every value is whole.
func TestTablesFitTheTerminal(t *testing.T) {
	e := newEnv(t)
	name := "Nightly export of the billing ledger to the partner's archive (日本語の説明)"
	e.createKey("ledger-export", "--name", name, "--description", strings.Repeat("a long description ", 12))
	id := strings.Fields(strings.Split(e.ok("list"), "\n")[1])[1]
	e.ok("scopes", "add", "backup:read", "--description", strings.Repeat("read the nightly backups ", 6))

	for _, c := range []struct {
		cols int
		args []string
		wait string
	}{
		{80, []string{"list"}, "ledger-export"},
		{60, []string{"show", "ledger-export"}, "MASKED"},
		{50, []string{"scopes"}, "backup:read"},
		{70, []string{"log"}, "create"},
	} {
		lines := e.onSizedTerminal(t, c.cols, c.wait, c.args...)
		all := strings.Join(lines, "\n")
		for _, l := range lines {
			if w := output.Width(l); w > c.cols {
				t.Errorf("%v: a line of %d columns on a %d-column terminal: %q", c.args, w, c.cols, l)
			}
		}
		if !strings.Contains(all, output.Ellipsis) {
			t.Errorf("%v: nothing shortened on a %d-column terminal:\n%s", c.args, c.cols, all)
		}
		if c.args[0] == "list" || c.args[0] == "show" {
			if !strings.Contains(all, "ledger-export") || !strings.Contains(all, id) {
				t.Errorf("%v: the alias or id was shortened:\n%s", c.args, all)
			}
		}
	}

	// COLUMNS overrides what the terminal says.
	e.setenv("COLUMNS", "200")
	lines := e.onSizedTerminal(t, 60, "ledger-export", "list")
	if all := strings.Join(lines, "\n"); !strings.Contains(all, name) {
		t.Errorf("COLUMNS=200 on a 60-column terminal still shortened:\n%s", all)
	}
	e.setenv("COLUMNS", "90")
	lines = e.onSizedTerminal(t, 250, "ledger-export", "list")
	for _, l := range lines {
		if w := output.Width(l); w > 90 {
			t.Errorf("COLUMNS=90 on a 250-column terminal: a line of %d columns: %q", w, l)
		}
	}
	if !strings.Contains(lines[1], "Nightly export of") || !strings.Contains(lines[1], output.Ellipsis) {
		t.Errorf("COLUMNS=90 on a 250-column terminal: %q", lines[1])
	}
	e.setenv("COLUMNS", "")

	// Piped: whole values, whatever COLUMNS says.
	e.setenv("COLUMNS", "40")
	if out := e.ok("list"); !strings.Contains(out, name) || strings.Contains(out, output.Ellipsis) {
		t.Errorf("piped list was shortened:\n%s", out)
	}
	if out := e.ok("show", "ledger-export"); !strings.Contains(out, strings.TrimSpace(strings.Repeat("a long description ", 12))) {
		t.Errorf("piped show was shortened:\n%s", out)
	}
}

// TestListSaysWhenTheLimitCutIt: on a terminal, list --limit says how
// many keys there are and how to see the rest, only when the limit left
// some out; piped, it says nothing.
func TestListSaysWhenTheLimitCutIt(t *testing.T) {
	e := newEnv(t)
	var lines strings.Builder
	for i := range 1234 {
		fmt.Fprintf(&lines, "{\"alias\":\"k%04d\"}\n", i)
	}
	if r := e.run(lines.String(), "import", "-"); r.code != 0 {
		t.Fatalf("import\n%s", r)
	}
	want := "keyward: hint: showing 20 of 1,234 keys; see the next 20 with --offset 20, every one with --limit 0, or narrow the list with --search TEXT"
	shown := e.onSizedTerminal(t, 100, "keyward: hint:", "list", "--limit", "20")
	if got := shown[len(shown)-1]; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
	if n := len(shown); n != 22 {
		t.Errorf("%d lines, want the header, 20 keys and the hint", n)
	}
	shown = e.onSizedTerminal(t, 100, "keyward: hint:", "list", "--limit", "10", "--offset", "1220")
	if got, want := shown[len(shown)-1], "keyward: hint: showing 1,221–1,230 of 1,234 keys; see the next 4 with --offset 1230, all the rest with --limit 0, or narrow the list with --search TEXT"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
	// k12 is in k1200–k1233 alone: 34 keys.
	shown = e.onSizedTerminal(t, 100, "keyward: hint:", "list", "--limit", "5", "--search", "K12")
	if got, want := shown[len(shown)-1], "keyward: hint: showing 5 of 34 matching keys; see the next 5 with --offset 5, every one with --limit 0, or narrow the list with --search TEXT"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
	shown = e.onSizedTerminal(t, 100, "k1233", "list", "--limit", "20", "--offset", "1220")
	if all := strings.Join(shown, "\n"); strings.Contains(all, "hint") {
		t.Errorf("a hint when the limit cut nothing:\n%s", all)
	}
	if r := e.run("", "list", "--limit", "20"); r.code != 0 || r.stderr != "" {
		t.Errorf("piped list --limit: a message on stderr\n%s", r)
	}
}
