package cmd

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunExitCodes runs whole command lines: the exit code is decided in
// one place from the error's code.
func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"HOME": dir, "XDG_CONFIG_HOME": dir, "XDG_DATA_HOME": dir, "KEYWARD_DB": filepath.Join(dir, "k.db")}
	run := func(args ...string) (int, lifecycleIO) {
		s := newLifecycleIO(env)
		return Run(context.Background(), args, s.io), s
	}
	if code, _ := run("create", "ci-bot", "-q"); code != ExitOK {
		t.Fatalf("create: %d", code)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"create", "ci-bot"}, ExitConflict},
		{[]string{"create", "Bad"}, ExitUsage},
		{[]string{"create", "x", "--ttl", "0"}, ExitUsage},
		{[]string{"show", "nope"}, ExitNotFound},
		{[]string{"list", "--sort", "name"}, ExitUsage},
		{[]string{"list", "--bogus"}, ExitUsage},
		{[]string{"bogus"}, ExitUsage},
		{[]string{"update", "ci-bot", "--role", "agent", "--no-roles"}, ExitUsage},
		{[]string{"list", "--db", dir}, ExitInternal},
		{[]string{"revoke", "ci-bot"}, ExitOK},
		{[]string{"revoke", "ci-bot"}, ExitOK},
		{[]string{"renew", "ci-bot"}, ExitConflict},
	} {
		code, s := run(tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d; stderr %q", tc.args, code, tc.code, s.errOut)
		}
		if code != ExitOK {
			lines := strings.Split(strings.TrimSuffix(s.errOut.String(), "\n"), "\n")
			if !strings.HasPrefix(lines[0], "keyward: error: ") || len(lines) > 2 || len(lines) == 2 && !strings.HasPrefix(lines[1], "keyward: hint: ") {
				t.Errorf("%v: stderr %q", tc.args, s.errOut)
			}
			if s.out.Len() != 0 {
				t.Errorf("%v: stdout %q", tc.args, s.out)
			}
		}
	}

	// With -o json, one JSON object on stderr.
	code, s := run("show", "nope", "-o", "json")
	var e struct {
		Error struct{ Code, Message, Hint string }
	}
	if code != ExitNotFound || json.Unmarshal(s.errOut.Bytes(), &e) != nil || e.Error.Code != "key_not_found" || e.Error.Hint == "" {
		t.Errorf("JSON error: %d %q", code, s.errOut)
	}
}

// A cancelled context (Ctrl-C) exits 130 and changes nothing.
func TestRunInterrupted(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"HOME": dir, "XDG_CONFIG_HOME": dir, "XDG_DATA_HOME": dir, "KEYWARD_DB": filepath.Join(dir, "k.db")}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newLifecycleIO(env)
	if code := Run(ctx, []string{"create", "ci-bot"}, s.io); code != ExitInterrupted {
		t.Errorf("exit %d, stderr %q", code, s.errOut)
	}
	s = newLifecycleIO(env)
	if code := Run(context.Background(), []string{"show", "ci-bot"}, s.io); code != ExitNotFound {
		t.Errorf("the interrupted create left a key: exit %d", code)
	}
}

// A panic (here: no environment lookup at all) ends in one error line
// and exit 1, not a Go stack.
func TestRunRecoversFromPanics(t *testing.T) {
	s := newLifecycleIO(nil)
	s.io.Env = nil
	code := Run(context.Background(), []string{"list"}, s.io)
	if code != ExitInternal {
		t.Errorf("exit %d", code)
	}
	got := s.errOut.String()
	if !strings.HasPrefix(got, "keyward: error: internal error: ") || strings.Contains(got, "goroutine") || strings.Count(got, "\n") != 2 {
		t.Errorf("stderr %q", got)
	}
}
