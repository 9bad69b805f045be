package cmd

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoColourEscapes runs every kind of output keyward makes (tables,
// records, JSON, help, errors, hints) and checks that none carries an
// ANSI escape: not when NO_COLOR is set, even on a terminal, and not when
// the output is not a terminal.
func TestNoColourEscapes(t *testing.T) {
	cases := []struct {
		name string
		tty  bool
		env  map[string]string
	}{
		{"NO_COLOR on a terminal", true, map[string]string{"NO_COLOR": "1", "TERM": "xterm-256color"}},
		{"piped", false, map[string]string{"TERM": "xterm-256color"}},
	}
	runs := [][]string{
		{"create", "ci-bot", "--role", "agent"},
		{"create", "web", "-q"},
		{"list"},
		{"list", "--status", "all", "-o", "json"},
		{"show", "ci-bot"},
		{"renew", "ci-bot", "web"},
		{"update", "web", "--owner", "ops"},
		{"revoke", "web", "--reason", "test"},
		{"revoke", "web"},
		{"list", "--search", "nothing-matches"},
		{"config"},
		{"version"},
		{"--help"},
		{"list", "--help"},
		{"completion", "--help"},
		{"show", "missing"},
		{"create", "ci-bot"},
		{"list", "--bogus"},
		{"frobnicate"},
		{"show", "missing", "-o", "json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"KEYWARD_DB": filepath.Join(t.TempDir(), "keyward.db")}
			for k, v := range tc.env {
				env[k] = v
			}
			setSettingsEnv(t, env)
			for _, args := range runs {
				var out, errOut bytes.Buffer
				io := &IO{
					In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
					InTTY: tc.tty, OutTTY: tc.tty, ErrTTY: tc.tty,
					Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
				}
				Run(context.Background(), args, io)
				if out.Len()+errOut.Len() == 0 {
					t.Errorf("keyward %s printed nothing", strings.Join(args, " "))
				}
				for stream, b := range map[string][]byte{"stdout": out.Bytes(), "stderr": errOut.Bytes()} {
					if i := bytes.IndexByte(b, 0x1b); i >= 0 {
						t.Errorf("keyward %s: escape sequence on %s: %q", strings.Join(args, " "), stream, b[i:min(len(b), i+16)])
					}
				}
			}
		})
	}
}
