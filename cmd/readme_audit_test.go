package cmd

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// readmeBlock returns the first ```lang block after heading in README.md.
func readmeBlock(t *testing.T, heading, lang string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q", heading)
	}
	_, code, ok := strings.Cut(section, "\n```"+lang+"\n")
	if !ok {
		t.Fatalf("README section %q has no ```%s block", heading, lang)
	}
	code, _, _ = strings.Cut(code, "\n```")
	return code + "\n"
}

// TestReadmeAuditPython runs the README's check of the audit log's chain,
// written without keyward's code: it must agree with keyward log head on
// an intact log and fail on an edited one.
func TestReadmeAuditPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	script := filepath.Join(t.TempDir(), "chain.py")
	if err := os.WriteFile(script, []byte(readmeBlock(t, "### The audit log", "python")), 0o600); err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	db := filepath.Join(work, "keyward.db")
	env := append(os.Environ(), "HOME="+work, "XDG_CONFIG_HOME="+filepath.Join(work, ".config"),
		"XDG_DATA_HOME="+filepath.Join(work, ".local", "share"), "KEYWARD_DB="+db, "KEYWARD_OUTPUT=table",
		"KEYWARD_ACTOR=Zoë <ops> \"night\" shift")
	run := func(name string, args ...string) (string, error) {
		c := exec.Command(name, args...)
		c.Env = env
		var stderr bytes.Buffer
		c.Stderr = &stderr
		out, err := c.Output()
		return strings.TrimSpace(string(out)) + stderr.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := run("keyward", args...)
		if err != nil {
			t.Fatalf("keyward %v: %v\n%s", args, err, out)
		}
		return out
	}
	must("scopes", "add", "backup:read", "--description", "read \\ backups\twith a tab")
	must("create", "ci-bot", "--meta", "team=ünïcode & <html>", "--description", "line one\nline two", "-q")
	must("update", "ci-bot", "--owner", "ops")
	must("rotate", "ci-bot", "-q")
	must("revoke", "ci-bot", "--reason", "leaked \"in\" a log")
	head := must("log", "head")
	out, err := run(python, script)
	if err != nil || out != "intact up to "+head {
		t.Fatalf("python on an intact log: %v\n%s\nwant intact up to %s", err, out, head)
	}

	sqldb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqldb.Exec(`UPDATE events SET details = replace(details, 'ops', 'mallory') WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	sqldb.Close()
	if out, err := run(python, script); err == nil || !strings.Contains(out, "seq 3 does not match its hash") {
		t.Fatalf("python on an edited log: %v\n%s", err, out)
	}
}
