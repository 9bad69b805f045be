package e2e

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// What another process commits is honoured by the very next request: a
// key verified (and so cached) just before a revoke in another process
// is REVOKED on the first request sent after that process exits, with
// no sleep between them.
func TestServeRevokeThenRequestIsNeverStale(t *testing.T) {
	e := newEnv(t)
	e.ok("scopes", "add", "backup:read")
	const n = 25
	keys := make([]string, n)
	for i := range keys {
		keys[i] = e.createKey(fmt.Sprintf("k%02d", i), "--scope", "backup:read")
	}
	s := e.startServe("")
	for i, key := range keys {
		alias := fmt.Sprintf("k%02d", i)
		if c := s.verify(key, "backup:read"); c != "VALID" {
			t.Fatalf("%s before: %s", alias, c)
		}
		switch i % 3 {
		case 0:
			e.ok("revoke", alias)
			if c := s.verify(key, "backup:read"); c != "REVOKED" {
				t.Errorf("%s right after revoke: %s", alias, c)
			}
			e.ok("renew", alias, "--reactivate")
			if c := s.verify(key, "backup:read"); c != "VALID" {
				t.Errorf("%s right after reactivation: %s", alias, c)
			}
		case 1:
			e.ok("update", alias, "--scope", "*")
			e.ok("scopes", "add", fmt.Sprintf("extra:%d", i))
			if c := s.verify(key, fmt.Sprintf("extra:%d", i)); c != "VALID" {
				t.Errorf("%s right after a scope was added: %s", alias, c)
			}
			e.ok("update", alias, "--scope", "backup:read")
			if c := s.verify(key, fmt.Sprintf("extra:%d", i)); c != "INSUFFICIENT_SCOPE" {
				t.Errorf("%s right after its scopes were narrowed: %s", alias, c)
			}
		case 2:
			e.run(key+"\n", "revoke", "--key-file", "-")
			if c := s.verify(key); c != "REVOKED" {
				t.Errorf("%s right after revoke --key-file: %s", alias, c)
			}
		}
	}
}

// The same under load: clients hammer serve with every key while another
// process revokes them one by one. A request sent after a revoke process
// exited must never be answered VALID.
func TestServeNoStaleAnswerUnderLoad(t *testing.T) {
	e := newEnv(t)
	const n = 20
	keys := make([]string, n)
	for i := range keys {
		keys[i] = e.createKey(fmt.Sprintf("k%02d", i))
	}
	s := e.startServe("")
	var revokedAt [n]atomic.Int64 // unix nanos when the revoke process exited
	var stop atomic.Bool
	var requests, stale, failed atomic.Int64
	var mu sync.Mutex
	var report []string
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; !stop.Load(); i = (i + 1) % n {
				sent := time.Now().UnixNano()
				code, err := s.tryVerify(keys[i])
				requests.Add(1)
				if err != nil {
					failed.Add(1)
					mu.Lock()
					report = append(report, err.Error())
					mu.Unlock()
					continue
				}
				if at := revokedAt[i].Load(); at != 0 && sent > at && code != "REVOKED" {
					stale.Add(1)
					mu.Lock()
					report = append(report, fmt.Sprintf("k%02d: %s %v after its revoke exited", i, code, time.Duration(sent-at)))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range keys {
		e.ok("revoke", fmt.Sprintf("k%02d", i))
		revokedAt[i].Store(time.Now().UnixNano())
	}
	stop.Store(true)
	wg.Wait()
	s.stop(syscall.SIGTERM) // flushes the access log, which says why a request failed
	if failed.Load() > 0 {
		t.Errorf("%d requests of %d failed", failed.Load(), requests.Load())
		for _, l := range strings.Split(s.logText(), "\n") {
			if strings.Contains(l, `"error"`) {
				t.Log(l)
				break
			}
		}
	}
	if stale.Load() > 0 {
		t.Errorf("%d stale answers of %d:\n%s", stale.Load(), requests.Load(), strings.Join(report, "\n"))
	}
	if requests.Load() < 100 {
		t.Errorf("only %d requests: the test proved little", requests.Load())
	}
	t.Logf("%d requests, %d revokes, no stale answer", requests.Load(), n)
}
