package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The README's nginx and Caddy configurations, run as written (only the
// addresses are changed to free loopback ports) in front of an upstream
// that echoes what it was told about the caller.

func TestServeBehindNginx(t *testing.T) {
	nginx := proxyBinary(t, "nginx", "/usr/sbin/nginx")
	p := newProxyFixture(t)
	dir := t.TempDir()
	conf := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
%[2]s
}
`, dir, p.snippet(t, "nginx"))
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o600)
	p.start(t, exec.Command(nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log")), filepath.Join(dir, "error.log"))
	p.check(t)
}

func TestServeBehindCaddy(t *testing.T) {
	caddy := proxyBinary(t, "caddy", "/usr/bin/caddy")
	p := newProxyFixture(t)
	dir := t.TempDir()
	conf := "{\n\tadmin off\n\tstorage file_system " + filepath.Join(dir, "data") + "\n}\n\n" + p.snippet(t, "caddyfile")
	os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(conf), 0o600)
	c := exec.Command(caddy, "run", "--config", filepath.Join(dir, "Caddyfile"), "--adapter", "caddyfile")
	c.Env = []string{"HOME=" + dir, "XDG_DATA_HOME=" + filepath.Join(dir, "data"), "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH")}
	p.start(t, c, "")
	p.check(t)
}

// proxyBinary finds a proxy, or skips loudly: .ci/run installs both.
func proxyBinary(t *testing.T, name, fallback string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat(fallback); err == nil {
		return fallback
	}
	t.Skipf("SKIPPED: %s is not installed (apt-get install -y %s); the README's %s configuration is untested", name, name, name)
	return ""
}

type proxyFixture struct {
	e        *env
	kw       *server
	upstream *httptest.Server
	addr     string // the proxy's HOST:PORT
	keys     map[string]string
	ids      map[string]string
}

// seen is what the upstream received about the caller.
type seen struct {
	Path, ID, Alias, Kind, Roles, Scopes, Authorization, APIKey string
	HasRoles                                                    bool
}

func newProxyFixture(t *testing.T) *proxyFixture {
	e := newEnv(t)
	e.ok("scopes", "add", "backup:read")
	e.ok("scopes", "add", "web")
	p := &proxyFixture{e: e, keys: map[string]string{}, ids: map[string]string{}}
	p.keys["ci-bot"] = e.createKey("ci-bot", "--role", "agent", "--scope", "backup:read", "--scope", "web")
	p.keys["web"] = e.createKey("web", "--scope", "web")
	p.keys["gone"] = e.createKey("gone")
	e.ok("revoke", "gone")
	var tok struct{ Token, ID string }
	json.Unmarshal([]byte(e.run(p.keys["ci-bot"]+"\n", "token", "--scope", "backup:read", "-o", "json").stdout), &tok)
	p.keys["token"], p.ids["token"] = tok.Token, tok.ID
	for _, a := range []string{"ci-bot", "web"} {
		var k struct{ ID string }
		json.Unmarshal([]byte(e.ok("show", a, "-o", "json")), &k)
		p.ids[a] = k.ID
	}
	p.kw = e.startServe("")
	p.upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header
		_, hasRoles := h["X-Keyward-Roles"]
		json.NewEncoder(w).Encode(seen{Path: r.URL.Path, ID: h.Get("X-Keyward-Id"), Alias: h.Get("X-Keyward-Alias"),
			Kind: h.Get("X-Keyward-Kind"), Roles: h.Get("X-Keyward-Roles"), Scopes: h.Get("X-Keyward-Scopes"),
			Authorization: h.Get("Authorization"), APIKey: h.Get("X-API-Key"), HasRoles: hasRoles})
	}))
	t.Cleanup(p.upstream.Close)
	p.addr = freeAddr(t)
	return p
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// snippet is the README's block of the given language in "Serving
// verification", with the example addresses replaced by the test's.
func (p *proxyFixture) snippet(t *testing.T, lang string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## Serving verification\n")
	if !ok {
		t.Fatal("README has no section Serving verification")
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	_, block, ok := strings.Cut(sec, "\n```"+lang+"\n")
	if !ok {
		t.Fatalf("README's Serving verification has no %s block", lang)
	}
	block, _, _ = strings.Cut(block, "\n```\n")
	for _, want := range []string{"127.0.0.1:8787", "127.0.0.1:8080", "127.0.0.1:8000"} {
		if !strings.Contains(block, want) {
			t.Fatalf("the README's %s block no longer names %s; keep the test in step", lang, want)
		}
	}
	return strings.NewReplacer("127.0.0.1:8787", p.kw.addr, "127.0.0.1:8080", strings.TrimPrefix(p.upstream.URL, "http://"),
		"127.0.0.1:8000", p.addr).Replace(block)
}

// start runs the proxy until the test ends and waits until it accepts.
func (p *proxyFixture) start(t *testing.T, c *exec.Cmd, logFile string) {
	t.Helper()
	var out strings.Builder
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { c.Wait(); close(exited) }()
	t.Cleanup(func() {
		c.Process.Kill()
		<-exited
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if conn, err := net.Dial("tcp", p.addr); err == nil {
			conn.Close()
			return
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logFile)
			t.Fatalf("%s exited:\n%s\n%s", c.Path, out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s within 20 s:\n%s", c.Path, p.addr, out.String())
		}
	}
}

// get asks the proxy for path with headers; it returns the status and
// what the upstream saw (when it was reached).
func (p *proxyFixture) get(t *testing.T, path string, header ...string) (int, seen) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+p.addr+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var s seen
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &s); err != nil {
			t.Fatalf("GET %s: 200 but not from the upstream: %s", path, body)
		}
	}
	return resp.StatusCode, s
}

func (p *proxyFixture) check(t *testing.T) {
	bearer := func(k string) []string { return []string{"Authorization", "Bearer " + p.keys[k]} }
	spoof := []string{"X-Keyward-Alias", "admin-bot", "X-Keyward-Roles", "admin", "X-Keyward-Scopes", "*", "X-Keyward-Id", "AAAAAAAAAAAA"}

	for _, tc := range []struct {
		path   string
		header []string
		status int
	}{
		{"/hello", nil, 401},
		{"/hello", spoof, 401},
		{"/hello", bearer("gone"), 401},
		{"/hello", []string{"Authorization", "Bearer kw_AAAAAAAAAAAA_" + strings.Repeat("A", 38)}, 401},
		{"/hello", []string{"X-API-Key", "an-imported-key-nobody-has-12345"}, 401},
		{"/backup/db.tar", bearer("web"), 403},
		{"/backup/db.tar", []string{"X-API-Key", p.keys["web"]}, 403},
	} {
		if status, _ := p.get(t, tc.path, tc.header...); status != tc.status {
			t.Errorf("GET %s %v: %d, want %d", tc.path, clipHeaders(tc.header), status, tc.status)
		}
	}

	status, s := p.get(t, "/hello", append(bearer("ci-bot"), spoof...)...)
	want := seen{Path: "/hello", ID: p.ids["ci-bot"], Alias: "ci-bot", Kind: "key", Roles: "agent", Scopes: "backup:read,web", HasRoles: true}
	if status != 200 || s != want {
		t.Errorf("valid key with spoofed identity headers: %d\nupstream saw %+v\nwant         %+v", status, s, want)
	}
	status, s = p.get(t, "/backup/db.tar", "X-API-Key", p.keys["ci-bot"])
	if status != 200 || s.Alias != "ci-bot" || s.Path != "/backup/db.tar" || s.APIKey != "" {
		t.Errorf("/backup/ with backup:read: %d %+v", status, s)
	}
	status, s = p.get(t, "/backup/db.tar", bearer("token")...)
	if status != 200 || s.Kind != "token" || s.ID != p.ids["token"] || s.Alias != "ci-bot" || s.Scopes != "backup:read" {
		t.Errorf("a token: %d %+v", status, s)
	}
	// A key without roles: the client's claim to be admin does not pass.
	status, s = p.get(t, "/hello", append(bearer("web"), spoof...)...)
	if status != 200 || s.Alias != "web" || s.Roles != "" || s.Scopes != "web" {
		t.Errorf("a key without roles: %d %+v", status, s)
	}

	// A revocation by another process is honoured by the next request.
	p.e.ok("revoke", "ci-bot")
	if status, _ := p.get(t, "/hello", bearer("ci-bot")...); status != 401 {
		t.Errorf("right after revoke: %d, want 401", status)
	}
	if status, _ := p.get(t, "/backup/db.tar", bearer("token")...); status != 401 {
		t.Errorf("its token right after revoke: %d, want 401", status)
	}
	for _, k := range p.keys {
		if strings.Contains(p.kw.logText(), k) {
			t.Fatal("a credential is in serve's log")
		}
	}
}

func clipHeaders(h []string) []string {
	out := make([]string, len(h))
	for i, v := range h {
		out[i] = clipText(v)
		if len(v) > 20 {
			out[i] = v[:20] + "…"
		}
	}
	return out
}
