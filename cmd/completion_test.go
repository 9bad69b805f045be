package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/sqlite"
)

// TestCompletionScriptsUpToDate fails when completions/ no longer matches
// what the command tree generates: run go generate ./... to fix it.
func TestCompletionScriptsUpToDate(t *testing.T) {
	for _, s := range Shells {
		t.Run(s.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := GenCompletion(s.Name, &buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("..", "completions", "keyward."+s.Ext)
			committed, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%s: %v (run: go generate ./...)", path, err)
			}
			if !bytes.Equal(committed, buf.Bytes()) {
				t.Errorf("%s is stale: run go generate ./... and commit the result", path)
			}
		})
	}
}

// TestCompletionCommandPrintsScripts checks that keyward completion SHELL
// prints the same script go generate commits.
func TestCompletionCommandPrintsScripts(t *testing.T) {
	for _, s := range Shells {
		var want bytes.Buffer
		if err := GenCompletion(s.Name, &want); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := runKeyward(t, nil, "completion", s.Name)
		if code != 0 || errOut != "" {
			t.Fatalf("completion %s: exit %d, stderr %q", s.Name, code, errOut)
		}
		if out != want.String() {
			t.Errorf("completion %s differs from the generated script", s.Name)
		}
		if !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: script does not call keyward __complete", s.Name)
		}
	}
	_, errOut, code := runKeyward(t, nil, "completion", "tcsh")
	if code != ExitUsage || !strings.Contains(errOut, "keyward: error: completion needs one shell") {
		t.Errorf("completion tcsh: exit %d, stderr %q", code, errOut)
	}
}

// TestCompleteScopes checks that --scope, on every command that has it,
// offers the registry's scopes, filtered by prefix, with descriptions.
func TestCompleteScopes(t *testing.T) {
	db := filepath.Join(t.TempDir(), "keyward.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, db, keys.Policy{Prefix: "kw", AdminRole: "admin", Roles: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []keys.Scope{
		{Name: "backup:read", Description: "read backups"},
		{Name: "backup:write"},
		{Name: "users:admin", Description: "manage users", AdminOnly: true},
	} {
		if err := s.AddScope(ctx, sc); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	env := map[string]string{"KEYWARD_DB": db}

	out, _, code := runKeyward(t, env, "__complete", "list", "--scope", "backup")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	want := "backup:read\tread backups\nbackup:write\n:4\n"
	if out != want {
		t.Errorf("list --scope backup: got %q, want %q", out, want)
	}
	for _, args := range [][]string{
		{"create", "x", "--scope", ""},
		{"renew", "x", "--scope", ""},
		{"update", "x", "--scope", ""},
	} {
		out, _, _ := runKeyward(t, env, append([]string{"__complete"}, args...)...)
		if !strings.Contains(out, "users:admin\t(admin only) manage users\n") || !strings.Contains(out, "backup:read\t") {
			t.Errorf("%s: got %q", strings.Join(args, " "), out)
		}
	}
}

// runKeyward runs keyward in-process with env as its whole environment
// (plus HOME in a temporary directory) and returns stdout, stderr and the
// exit code.
func runKeyward(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	home := t.TempDir()
	setSettingsEnv(t, env)
	var out, errOut bytes.Buffer
	io := &IO{
		In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
		Env: func(k string) (string, bool) {
			if k == "HOME" {
				return home, true
			}
			v, ok := env[k]
			return v, ok
		},
	}
	code := Run(context.Background(), args, io)
	// cobra's __complete reports its directive on stderr for people
	// debugging; shells ignore it.
	return out.String(), strings.TrimPrefix(errOut.String(), "Completion ended with directive: ShellCompDirectiveNoFileComp\n"), code
}
