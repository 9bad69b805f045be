package e2e

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"
)

// On PostgreSQL a commit by another keyward process is honoured within
// one second: each key is verified (and so cached), revoked by another
// process, then asked for until serve answers REVOKED.
func TestServePostgresSeesRevocationsWithinOneSecond(t *testing.T) {
	e := newPGEnv(t)
	const n = 20
	keys := make([]string, n)
	for i := range keys {
		keys[i] = e.createKey(fmt.Sprintf("k%02d", i))
	}
	s := e.startServe("")
	var delays []time.Duration
	for i, key := range keys {
		if c := s.verify(key); c != "VALID" {
			t.Fatalf("k%02d before: %s", i, c)
		}
		e.ok("revoke", fmt.Sprintf("k%02d", i))
		revoked := time.Now()
		for {
			c := s.verify(key)
			if c == "REVOKED" {
				delays = append(delays, time.Since(revoked))
				break
			}
			if c != "VALID" {
				t.Fatalf("k%02d: %s", i, c)
			}
			if time.Since(revoked) > 5*time.Second {
				t.Fatalf("k%02d still VALID 5 s after its revoke", i)
			}
		}
	}
	slices.Sort(delays)
	p99 := delays[len(delays)*99/100]
	t.Logf("PostgreSQL: revoke seen after p50 %v, p99 %v, max %v (%d revokes)", delays[len(delays)/2], p99, delays[len(delays)-1], n)
	if delays[len(delays)-1] > time.Second {
		t.Errorf("a revoke took %v to be seen, over one second", delays[len(delays)-1])
	}
	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
}
