package serve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

func TestParseAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8787":      "127.0.0.1:8787",
		"localhost:0":         "localhost:0",
		"[::1]:9000":          "[::1]:9000",
		"0.0.0.0:80":          "0.0.0.0:80",
		"unix:/run/k.sock":    "unix:/run/k.sock",
		"unix:relative/k.sck": "unix:relative/k.sck",
	} {
		a, err := ParseAddr(in)
		if err != nil || a.String() != want {
			t.Errorf("%q: %v %v, want %s", in, a, err, want)
		}
	}
	for _, in := range []string{"", "8787", ":8787", "127.0.0.1", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536",
		"127.0.0.1:-1", "example.com:80", "unix:", "[fe80::1%eth0]:80", "1.2.3:80", "127.0.0.1:08787"} {
		_, err := ParseAddr(in)
		var ke *keys.Error
		if !errors.As(err, &ke) || ke.Code != keys.EINVALID {
			t.Errorf("%q: %v, want a usage error", in, err)
		}
	}
}

func TestLoopback(t *testing.T) {
	for in, want := range map[string]bool{"127.0.0.1:1": true, "localhost:1": true, "[::1]:1": true, "unix:/x": true,
		"0.0.0.0:1": false, "[::]:1": false, "10.0.0.1:1": false} {
		a, _ := ParseAddr(in)
		if a.Loopback() != want {
			t.Errorf("%s: loopback %v", in, !want)
		}
	}
}

func TestListenInUse(t *testing.T) {
	ln, err := Listen(Addr{Network: "tcp", Address: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Listen(Addr{Network: "tcp", Address: ln.Addr().String()})
	var ke *keys.Error
	if !errors.As(err, &ke) || ke.Reason != "address_in_use" || ke.Code != keys.EINTERNAL {
		t.Errorf("second listen: %v", err)
	}
}

func TestListenUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keyward.sock")
	a := Addr{Network: "unix", Address: path}
	ln, err := Listen(a)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o660 || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket mode %v %v, want 0660", fi.Mode(), err)
	}
	go func(ln net.Listener) {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
	}(ln)
	if _, err := Listen(a); err == nil || !strings.Contains(err.Error(), "another server") {
		t.Errorf("a live socket: %v", err)
	}
	ln.Close()
	// A socket left behind by a crash is replaced.
	stale, _ := net.Listen("unix", path)
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	ln, err = Listen(a)
	if err != nil {
		t.Fatalf("over a stale socket: %v", err)
	}
	ln.Close()
	os.WriteFile(path, []byte("x"), 0o600)
	if _, err := Listen(a); err == nil {
		t.Error("listened over a regular file")
	}
}

// A request in flight when the server is told to stop is answered; the
// server then returns nil and writes the uses it noted.
func TestServeFinishesInFlight(t *testing.T) {
	fx := newFixture(t)
	release := make(chan struct{})
	var once sync.Once
	entered := make(chan struct{})
	fx.f.during = func() {
		once.Do(func() { close(entered); <-release })
	}
	ln, err := Listen(Addr{Network: "tcp", Address: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fx.srv.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()
	type answer struct {
		status int
		body   string
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Post(url+"/v1/verify", "application/json", strings.NewReader(keyBody(fx.creds["ci-bot"], "")))
		if err != nil {
			got <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- answer{status: resp.StatusCode, body: string(b)}
	}()
	<-entered
	stop()
	if !refused(ln.Addr().String()) {
		t.Error("still accepting 5 s after the stop")
	}
	close(release)
	a := <-got
	if a.err != nil || a.status != 200 || !strings.Contains(a.body, `"code":"VALID"`) {
		t.Errorf("in-flight request: %+v", a)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if len(fx.w.touched) != 1 {
		t.Errorf("uses noted before the stop were not written: %v", fx.w.touched)
	}
	if !strings.Contains(fx.log.String(), `"msg":"listening"`) || !strings.Contains(fx.log.String(), `"msg":"stopping"`) {
		t.Errorf("log: %s", fx.log)
	}
}

// refused waits (at most 5 s) until nothing accepts connections at addr.
func refused(addr string) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
	}
	return false
}
