package cmd

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/keys"
)

// readmePython returns the ```python block of README.md's section
// "## Verifying keys in your service".
func readmePython(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Verifying keys in your service\n")
	if !ok {
		t.Fatal(`README.md has no section "## Verifying keys in your service"`)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	_, code, ok := strings.Cut(section, "\n```python\n")
	if !ok {
		t.Fatal("the README section has no ```python block")
	}
	code, _, ok = strings.Cut(code, "\n```")
	if !ok {
		t.Fatal("the README's python block is not closed")
	}
	return code + "\n"
}

// TestReadmeVerifyPython runs the README's Python example against a
// database made by keyward: it must accept a valid key and token and
// reject a revoked key, its token, and a wrong key.
func TestReadmeVerifyPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	// Resolve shims (pyenv, asdf) once: each one costs a process or two.
	if out, err := exec.Command(python, "-c", "import sys; print(sys.executable)").Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
		python = string(bytes.TrimSpace(out))
	}
	script := filepath.Join(t.TempDir(), "check.py")
	if err := os.WriteFile(script, []byte(readmePython(t)), 0o600); err != nil {
		t.Fatal(err)
	}

	work := t.TempDir()
	db := filepath.Join(work, "keyward.db")
	env := append(os.Environ(),
		"HOME="+work,
		"XDG_CONFIG_HOME="+filepath.Join(work, ".config"),
		"XDG_DATA_HOME="+filepath.Join(work, ".local", "share"),
		"KEYWARD_DB="+db,
		"KEYWARD_OUTPUT=table",
	)
	// keyward is on PATH: testscript.Main in TestMain put it there.
	keyward := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("keyward", args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("keyward %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return strings.TrimSpace(string(out))
	}
	python3 := func(credential string) (string, bool) { return runPython(t, python, script, db, credential) }

	keyward("", "scopes", "add", "backup:read")
	valid := keyward("", "create", "ci-bot", "--role", "agent", "--scope", "backup:read", "-q")
	token := keyward(valid+"\n", "token", "-q")
	revoked := keyward("", "create", "old-bot", "-q")
	revokedToken := keyward(revoked+"\n", "token", "-q")
	keyward("", "revoke", "old-bot")
	// Rotated: the old string works through its grace, or not at all.
	replaced := keyward("", "create", "rotated", "-q")
	rotated := keyward("", "rotate", "rotated", "--grace", "1h", "-q")
	cut := keyward("", "create", "cut", "-q")
	keyward("", "rotate", "cut", "--grace", "0")

	for _, c := range []struct {
		name, credential string
		ok               bool
		out              string
	}{
		{"valid key", valid, true, `valid key ci-bot ["agent"] ["backup:read"]`},
		{"valid token", token, true, `valid token ci-bot ["agent"] ["backup:read"]`},
		{"revoked key", revoked, false, "rejected"},
		{"token of a revoked key", revokedToken, false, "rejected"},
		{"wrong key", keys.NewCredential("kw", keys.KindKey).String, false, "rejected"},
		{"key with a typo", valid[:len(valid)-1] + flip(valid[len(valid)-1]), false, "rejected"},
		{"rotated key", rotated, true, `valid key rotated [] ["*"]`},
		{"the string it replaced, in its grace", replaced, true, `valid key rotated [] ["*"]`},
		{"a string replaced without grace", cut, false, "rejected"},
	} {
		out, ok := python3(c.credential)
		if ok != c.ok || out != c.out {
			t.Errorf("%s: python printed %q (valid: %v), want %q (valid: %v)", c.name, out, ok, c.out, c.ok)
		}
	}

	// The example reads and never writes: keyward agrees with it after.
	if got := keyward(valid+"\n", "verify"); !strings.HasPrefix(got, "VALID key ci-bot ") {
		t.Errorf("keyward verify after the python check: %q", got)
	}

	// Restored from an export into another database, each key string
	// keeps its verdict: a previous string's hash and grace travel too.
	restored := filepath.Join(work, "restored.db")
	keyward(keyward("", "export")+"\n", "--db", restored, "import", "-")
	for _, c := range []struct {
		name, credential string
		ok               bool
	}{
		{"valid key", valid, true},
		{"revoked key", revoked, false},
		{"rotated key", rotated, true},
		{"the string it replaced, in its grace", replaced, true},
		{"a string replaced without grace", cut, false},
	} {
		if out, ok := runPython(t, python, script, restored, c.credential); ok != c.ok {
			t.Errorf("restored, %s: python printed %q (valid: %v), want valid: %v", c.name, out, ok, c.ok)
		}
	}
}

// runPython runs the README's example on db with credential on its
// standard input: what it printed, and whether it accepted it.
func runPython(t *testing.T, python, script, db, credential string) (string, bool) {
	t.Helper()
	cmd := exec.Command(python, script, db)
	cmd.Stdin = strings.NewReader(credential + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("python3 check.py: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out)), err == nil
}

func flip(c byte) string {
	if c == 'x' {
		return "y"
	}
	return "x"
}
