package e2e

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestServeRefusesBadStarts(t *testing.T) {
	e := newEnv(t)
	// No database yet: exit 1, and nothing is created.
	r := e.run("", "serve", "--listen", "127.0.0.1:0")
	checkError(t, r, 1)
	if _, err := os.Stat(e.db); !os.IsNotExist(err) {
		t.Errorf("serve created the database: %v", err)
	}
	e.createKey("ci-bot")
	for _, bad := range []string{"nonsense", ":8787", "127.0.0.1:99999", "example.com:80", "unix:"} {
		checkError(t, e.run("", "serve", "--listen", bad), 2)
	}
	// An address in use: exit 1.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r = e.run("", "serve", "--listen", ln.Addr().String())
	checkError(t, r, 1)
	if !strings.Contains(r.stderr, "in use") {
		t.Errorf("want the address named in use\n%s", r)
	}
}

func TestServeStopsCleanlyOnSignals(t *testing.T) {
	e := newEnv(t)
	key := e.createKey("ci-bot")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		s := e.startServe("")
		if c := s.verify(key); c != "VALID" {
			t.Fatalf("%s", c)
		}
		if code := s.stop(sig); code != 0 {
			t.Errorf("after %v: exit %d\n%s", sig, code, s.logText())
		}
		if _, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			t.Errorf("still listening after %v", sig)
		}
	}
}

// POST /v1/verify answers what keyward verify -o json prints, field for
// field, whatever the verdict.
func TestServeAnswersAsVerifyDoes(t *testing.T) {
	e := newEnv(t)
	e.ok("scopes", "add", "backup:read")
	e.ok("scopes", "add", "backup:write")
	good := e.createKey("ci-bot", "--role", "agent", "--scope", "backup:read")
	wild := e.createKey("wild")
	gone := e.createKey("gone")
	e.ok("revoke", "gone")
	tok := strings.TrimSpace(e.run(good+"\n", "token", "--scope", "backup:read", "-o", "json").stdout)
	var token struct{ Token string }
	json.Unmarshal([]byte(tok), &token)
	if token.Token == "" {
		t.Fatalf("no token: %s", tok)
	}
	s := e.startServe("")
	for _, tc := range []struct {
		key    string
		scopes []string
	}{
		{good, nil}, {good, []string{"backup:read"}}, {good, []string{"backup:write"}},
		{wild, []string{"backup:write"}}, {gone, nil}, {token.Token, []string{"backup:read"}},
		{"kw_AAAAAAAAAAAA_" + strings.Repeat("A", 38), nil}, {"an-imported-key-nobody-has-12345", nil},
	} {
		args := []string{"verify", "-o", "json"}
		for _, sc := range tc.scopes {
			args = append(args, "--scope", sc)
		}
		want := strings.TrimSpace(e.run(tc.key+"\n", args...).stdout)
		status, got := s.post(verifyBody(tc.key, tc.scopes...))
		if status != 200 || strings.TrimSpace(got) != want {
			t.Errorf("scopes %v:\nserve  %d %s\nverify   %s", tc.scopes, status, got, want)
		}
	}
	s.stop(syscall.SIGTERM) // the access log is buffered until then
	for _, k := range []string{good, wild, gone, token.Token} {
		if strings.Contains(s.logText(), k) {
			t.Fatalf("a credential is in serve's log:\n%s", s.logText())
		}
	}
	if n := strings.Count(s.logText(), `"msg":"request"`); n != 8 {
		t.Errorf("%d access-log lines for 8 requests:\n%s", n, s.logText())
	}
}

func TestServeOnUnixSocket(t *testing.T) {
	e := newEnv(t)
	key := e.createKey("ci-bot")
	dir := filepath.Join(e.dir, "run")
	os.Mkdir(dir, 0o750)
	sock := filepath.Join(dir, "keyward.sock")
	s := e.startServe("unix:" + sock)
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o660 {
		t.Fatalf("socket: %v %v, want mode 0660", fi.Mode(), err)
	}
	if c := s.verify(key); c != "VALID" {
		t.Errorf("over the socket: %s", c)
	}
	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
}

// serve records last use as verify does, off the request path, and its
// own writes do not empty its cache.
func TestServeRecordsLastUse(t *testing.T) {
	e := newEnv(t)
	key := e.createKey("ci-bot")
	s := e.startServe("")
	s.verify(key)
	flushes := s.metric("keyward_cache_flushes_total")
	// Watched through serve's metrics: another process opening the file
	// may checkpoint it on close, which counts as a change.
	deadline := time.Now().Add(10 * time.Second)
	for s.metric("keyward_last_used_writes_total") != "1" {
		if time.Now().After(deadline) {
			t.Fatal("last_used_at not written within 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for range 3 {
		s.verify(key)
	}
	if got := s.metric("keyward_last_used_writes_total"); got != "1" {
		t.Errorf("last-used writes %s, want 1", got)
	}
	if got := s.metric("keyward_cache_flushes_total"); got != flushes {
		t.Errorf("serve's own write emptied its cache: flushes %s → %s (failed checks %s)", flushes, got, s.metric("keyward_change_check_failures_total"))
	}
	if got := s.metric("keyward_cache_misses_total"); got != "1" {
		t.Errorf("cache misses %s, want 1", got)
	}
	if n := query[int](t, e.db, `SELECT count(*) FROM keys WHERE alias = 'ci-bot' AND last_used_at IS NOT NULL`); n != 1 {
		t.Errorf("last_used_at not in the database")
	}
	show := e.ok("show", "ci-bot", "-o", "json")
	if !strings.Contains(show, `"last_used_at":"20`) {
		t.Errorf("show: %s", show)
	}
}
