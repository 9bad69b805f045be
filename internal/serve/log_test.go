package serve

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAccessLogOneLinePerRequestWithoutCredential(t *testing.T) {
	fx := newFixture(t)
	key := fx.creds["ci-bot"]
	fx.verify(keyBody(key, ""))
	fx.verify(`{"key": "` + key + `", "bogus": 1}`)
	fx.verify(`[` + keyBody(key, "") + `]`)
	fx.do("GET", "/v1/auth?key="+key, "", "X-API-Key", key)
	fx.do("GET", "/v1/auth", "", "Authorization", "Bearer "+key[:len(key)-1]+"x")
	fx.do("GET", "/nowhere", "")
	out := fx.log.String()
	if strings.Contains(out, key) || strings.Contains(out, key[:len(key)-1]) || strings.Contains(out, key[16:]) {
		t.Fatalf("the access log holds a credential:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d log lines for 6 requests:\n%s", len(lines), out)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("not a JSON line: %s", lines[0])
	}
	if first["msg"] != "request" || first["code"] != "VALID" || first["alias"] != "ci-bot" || first["status"] != 200.0 ||
		first["path"] != "/v1/verify" || first["method"] != "POST" {
		t.Errorf("first line: %s", lines[0])
	}
	var last map[string]any
	json.Unmarshal([]byte(lines[5]), &last)
	if last["status"] != 404.0 || last["path"] != "/nowhere" {
		t.Errorf("last line: %s", lines[5])
	}
}

func TestLogWriterKeepsLinesWholeAndFlushes(t *testing.T) {
	var out syncBuffer
	l := NewLogWriter(&out)
	l.Write([]byte("first\n"))
	if out.String() != "first\n" {
		t.Fatalf("the first line waited in the buffer: %q", out.String())
	}
	line := strings.Repeat("x", 1000) + "\n"
	for range 200 { // more than the buffer: flushed on the way, whole lines only
		l.Write([]byte(line))
	}
	if n := len(out.String()) - len("first\n"); n == 0 || n%len(line) != 0 {
		t.Errorf("%d bytes written before Close: not whole lines", n)
	}
	l.Write([]byte("last\n"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.HasSuffix(out.String(), "last\n") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.HasSuffix(out.String(), "last\n") {
		t.Error("a buffered line was not written within 5 s")
	}
	l.Write([]byte("at close\n"))
	l.Close()
	if !strings.HasSuffix(out.String(), "at close\n") || strings.Count(out.String(), "\n") != 203 {
		t.Errorf("after Close: %d lines", strings.Count(out.String(), "\n"))
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
