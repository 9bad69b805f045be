package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// soakResult is what the soak saw.
type soakResult struct {
	requests, writes, errors, stale, checked int64
	p99                                      time.Duration
	report                                   []string
}

// keyState is what the CLI last committed about a key, and whether a
// CLI process is changing it right now.
type keyState struct {
	mu      sync.Mutex
	revoked bool
	writing bool
	version int
}

// begin marks a write of the key under way and says what it is, or
// false when one still is: two writes of one key at once would leave
// what was committed last unknown.
func (k *keyState) begin(alias string) ([]string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.writing {
		return nil, false
	}
	k.writing = true
	if k.revoked {
		return []string{"renew", alias, "--reactivate"}, true
	}
	return []string{"revoke", alias}, true
}

func (k *keyState) snapshot() (revoked, writing bool, version int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.revoked, k.writing, k.version
}

// soak runs the closed loop against p for d while a CLI process writes
// every 100 ms: it revokes and reactivates keys in turn, and now and then
// creates one. Every answer to a request sent while no write of its key
// was under way, and answered before the next began, must match what the
// CLI last committed: a VALID for a revoked key is stale.
func (b *bench) soak(p *proc, d time.Duration) (soakResult, error) {
	var res soakResult
	const mutable = 100
	states := make([]*keyState, len(b.keys))
	for i := range states {
		states[i] = &keyState{}
	}
	bodies := make([][]byte, len(b.keys))
	for i, k := range b.keys {
		bodies[i], _ = json.Marshal(map[string]string{"key": k.Key})
	}
	var mu sync.Mutex
	var requests, errs, stale, checked atomic.Int64
	var lats []time.Duration
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var l []time.Duration
			buf := make([]byte, 4096)
			// Every other request asks for a key the CLI changes.
			for i, j := c*len(bodies) / *conns, c; time.Now().Before(end); i, j = (i+1)%len(bodies), (j+1)%mutable {
				k := i
				if i%2 == 0 {
					k = j
				}
				rev0, w0, v0 := states[k].snapshot()
				t0 := time.Now()
				resp, err := p.client.Post(p.url+"/v1/verify", "application/json", bytes.NewReader(bodies[k]))
				requests.Add(1)
				if err != nil {
					errs.Add(1)
					continue
				}
				n, _ := io.ReadFull(resp.Body, buf)
				resp.Body.Close()
				l = append(l, time.Since(t0))
				var v struct{ Code string }
				if resp.StatusCode != http.StatusOK || json.Unmarshal(buf[:n], &v) != nil || (v.Code != "VALID" && v.Code != "REVOKED") {
					errs.Add(1)
					continue
				}
				_, w1, v1 := states[k].snapshot()
				if w0 || w1 || v0 != v1 {
					continue // a write overlapped: either answer is right
				}
				checked.Add(1)
				if want := map[bool]string{false: "VALID", true: "REVOKED"}[rev0]; v.Code != want {
					stale.Add(1)
					mu.Lock()
					if len(res.report) < 10 {
						res.report = append(res.report, fmt.Sprintf("%s: %s, want %s", b.keys[k].Alias, v.Code, want))
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			lats = append(lats, l...)
			mu.Unlock()
		}()
	}
	// One write every 100 ms, each in its own process, whether or not the
	// one before has finished: a key is written again only 10 s later.
	var writers sync.WaitGroup
	var writes atomic.Int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for n := 0; time.Now().Before(end); n++ {
		<-tick.C
		writers.Add(1)
		go func() {
			defer writers.Done()
			var args []string
			var st *keyState
			if n%5 != 4 {
				k := (n * 7) % mutable
				if a, ok := states[k].begin(b.keys[k].Alias); ok {
					args, st = a, states[k]
				}
			}
			if st == nil {
				args = []string{"create", fmt.Sprintf("soak-%05d", n), "-q"}
			}
			c := exec.Command(b.keyward, args...)
			c.Env = b.env
			out, err := c.CombinedOutput()
			writes.Add(1)
			if err != nil {
				errs.Add(1)
				mu.Lock()
				res.report = append(res.report, fmt.Sprintf("keyward %v: %v: %s", args, err, out))
				mu.Unlock()
			}
			if st != nil {
				st.mu.Lock()
				if err == nil {
					st.revoked = args[0] == "revoke"
				}
				st.writing = false
				st.version++
				st.mu.Unlock()
			}
		}()
	}
	writers.Wait()
	wg.Wait()
	slices.Sort(lats)
	if len(lats) > 0 {
		res.p99 = lats[len(lats)*99/100]
	}
	res.requests, res.errors, res.stale, res.checked = requests.Load(), errs.Load(), stale.Load(), checked.Load()
	res.writes = writes.Load()
	return res, nil
}
