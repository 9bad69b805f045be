package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runTo runs keyward with stdout going to the file at path (opened as a
// shell redirection would), under umask 022.
func (e *env) runTo(path string, stdin string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := e.command(ctx, args...)
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		e.t.Fatal(err)
	}
	defer out.Close()
	var errb strings.Builder
	c.Stdin, c.Stdout, c.Stderr = strings.NewReader(stdin), out, &errb
	err = c.Run()
	r := result{args: args, stderr: errb.String()}
	if ee, ok := err.(interface{ ExitCode() int }); ok && err != nil {
		r.code = ee.ExitCode()
	}
	return r
}

// TestNewKeyToFullDisk: when the new key cannot be written (stdout on a
// full disk), nothing is committed and keyward exits 1: no key exists
// that nobody can use and that blocks its alias.
func TestNewKeyToFullDisk(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	e := newEnv(t)
	e.createKey("existing")
	before := dump(t, e.db)
	for _, tc := range []struct {
		stdin string
		args  []string
	}{
		{"", []string{"create", "lost", "-q"}},
		{"", []string{"create", "lost", "-o", "json"}},
		{"", []string{"create", "lost"}},
		{`{"alias": "lost"}` + "\n" + `{"alias": "lost-2"}` + "\n", []string{"import", "-"}},
	} {
		r := e.runTo("/dev/full", tc.stdin, tc.args...)
		checkError(t, r, 1)
		if !strings.Contains(r.stderr, "nothing was") {
			t.Errorf("the error does not say nothing was created\n%s", r)
		}
		if after := dump(t, e.db); after != before {
			t.Errorf("%v committed although its key could not be written:\n%s", tc.args, after)
		}
	}
	// The alias is free: the same create to a writable place works.
	if key := e.createKey("lost"); key == "" {
		t.Error("no key")
	}
}

// TestNewKeyToReadableFile: a new key written to a file others can read
// gets a warning with the fix; a private file, a pipe get none.
func TestNewKeyToReadableFile(t *testing.T) {
	e := newEnv(t)
	public := filepath.Join(e.dir, "x.key")
	r := e.runTo(public, "", "create", "x", "-q")
	if r.code != 0 || !strings.Contains(r.stderr, "keyward: warning: the new key went to "+public+", which other users can read (mode 0644); run: chmod 600 "+public) {
		t.Errorf("no warning for a 0644 key file\n%s", r)
	}
	out := filepath.Join(e.dir, "out.jsonl")
	r = e.runTo(out, `{"alias": "gen"}`+"\n", "import", "-")
	if r.code != 0 || !strings.Contains(r.stderr, "keyward: warning: the new key") {
		t.Errorf("no warning for generated keys in a 0644 file\n%s", r)
	}
	// Imported keys kept as they were print no secret: no warning.
	r = e.runTo(out, `{"alias": "kept", "key": "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"}`+"\n", "import", "-")
	if r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Errorf("a warning although no new key was written\n%s", r)
	}
	private := filepath.Join(e.dir, "y.key")
	os.WriteFile(private, nil, 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := e.command(ctx, "create", "y", "-q")
	f, _ := os.OpenFile(private, os.O_WRONLY, 0)
	var errb strings.Builder
	c.Stdout, c.Stderr = f, &errb
	if err := c.Run(); err != nil || errb.Len() != 0 {
		t.Errorf("a private key file: %v %q", err, errb.String())
	}
	f.Close()
	if r := e.run("", "create", "z", "-q"); r.code != 0 || r.stderr != "" {
		t.Errorf("a pipe\n%s", r)
	}
}

// TestWorldWritablePlacesWarn: a world-writable data directory (anyone
// could swap the database) or config file (anyone could point db
// elsewhere) gets a warning with the fix; a sticky directory such as
// /tmp does not.
func TestWorldWritablePlacesWarn(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.dir, "shared")
	os.Mkdir(dir, 0o700)
	e.db = filepath.Join(dir, "keyward.db")
	e.setenv("KEYWARD_DB", e.db)
	e.createKey("k")
	os.Chmod(dir, 0o777)
	r := e.run("", "list")
	if !strings.Contains(r.stderr, "keyward: warning: directory "+dir+" is writable by every user (mode 0777): anyone could replace the database; run: chmod o-w "+dir) {
		t.Errorf("no warning for a 0777 directory\n%s", r)
	}
	os.Chmod(dir, 0o777|os.ModeSticky)
	if r := e.run("", "list"); strings.Contains(r.stderr, "warning") {
		t.Errorf("a sticky directory warns\n%s", r)
	}
	os.Chmod(dir, 0o700)

	cfg := filepath.Join(e.dir, "config.yaml")
	os.WriteFile(cfg, []byte("key_prefix: kw\n"), 0o666)
	os.Chmod(cfg, 0o666)
	r = e.run("", "--config", cfg, "list")
	if r.code != 0 || !strings.Contains(r.stderr, "keyward: warning: config file "+cfg+" is writable by every user (mode 0666): anyone could point db at another database; run: chmod o-w "+cfg) {
		t.Errorf("no warning for a 0666 config file\n%s", r)
	}
	os.Chmod(cfg, 0o644)
	if r := e.run("", "--config", cfg, "list"); strings.Contains(r.stderr, "warning") {
		t.Errorf("a 0644 config file warns\n%s", r)
	}
}
