package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is a running keyward serve process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string // HOST:PORT, or unix:PATH
	url  string // http://HOST:PORT; for a socket, the client dials it
	http *http.Client

	mu    sync.Mutex
	log   bytes.Buffer // everything it wrote on stderr
	out   bytes.Buffer
	done  chan struct{}
	code  int
	ended bool
}

// startServe starts keyward serve in e with --listen listen (127.0.0.1:0
// when empty, a free port) and waits until it answers.
func (e *env) startServe(listen string) *server {
	e.t.Helper()
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	s := &server{t: e.t, done: make(chan struct{})}
	s.cmd = e.command(context.Background(), "serve", "--listen", listen)
	s.cmd.Stdout = &lockedWriter{&s.mu, &s.out}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			var ev struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Msg == "listening" {
				listening <- ev.Addr
			}
		}
		io.Copy(io.Discard, stderr)
		err := s.cmd.Wait()
		s.mu.Lock()
		s.ended = true
		s.code = s.cmd.ProcessState.ExitCode()
		if err != nil && s.code == 0 {
			s.code = -1
		}
		s.mu.Unlock()
		close(s.done)
	}()
	select {
	case s.addr = <-listening:
	case <-s.done:
		e.t.Fatalf("keyward serve exited %d before listening:\n%s", s.code, s.logText())
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		e.t.Fatalf("keyward serve did not listen within 30 s:\n%s", s.logText())
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	s.url = "http://" + s.addr
	if path, ok := strings.CutPrefix(s.addr, "unix:"); ok {
		s.url = "http://keyward"
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}
	}
	s.http = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	e.t.Cleanup(func() { s.stop(syscall.SIGTERM) })
	return s
}

// stop signals the server and returns its exit code.
func (s *server) stop(sig syscall.Signal) int {
	s.mu.Lock()
	ended := s.ended
	s.mu.Unlock()
	if !ended {
		s.cmd.Process.Signal(sig)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		s.t.Errorf("keyward serve did not stop within 30 s of %v", sig)
	}
	s.http.CloseIdleConnections()
	return s.code
}

func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// verifyResult is the JSON of POST /v1/verify and keyward verify -o json.
type verifyResult struct {
	Valid bool   `json:"valid"`
	Code  string `json:"code"`
	Alias string `json:"alias"`
}

// post sends body to /v1/verify and returns the status and body.
func (s *server) post(body string) (int, string) {
	s.t.Helper()
	resp, err := s.http.Post(s.url+"/v1/verify", "application/json", strings.NewReader(body))
	if err != nil {
		s.t.Fatalf("POST /v1/verify: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// verify asks serve about key and returns its code.
func (s *server) verify(key string, scopes ...string) string {
	s.t.Helper()
	code, err := s.tryVerify(key, scopes...)
	if err != nil {
		s.t.Fatal(err)
	}
	return code
}

// tryVerify is verify for goroutines other than the test's.
func (s *server) tryVerify(key string, scopes ...string) (string, error) {
	resp, err := s.http.Post(s.url+"/v1/verify", "application/json", strings.NewReader(verifyBody(key, scopes...)))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v verifyResult
	if resp.StatusCode != 200 || json.Unmarshal(body, &v) != nil {
		return "", fmt.Errorf("POST /v1/verify: %d %s", resp.StatusCode, body)
	}
	return v.Code, nil
}

func verifyBody(key string, scopes ...string) string {
	b, _ := json.Marshal(map[string]any{"key": key, "scopes": append([]string{}, scopes...)})
	return string(b)
}

// metric returns the value of a metric line of GET /metrics, "" when
// absent.
func (s *server) metric(name string) string {
	s.t.Helper()
	resp, err := s.http.Get(s.url + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}
