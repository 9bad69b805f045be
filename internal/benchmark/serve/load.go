package main

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// result is one phase of load against one server.
type result struct {
	n        int
	errors   int
	elapsed  time.Duration
	p50, p99 time.Duration
	cpu      time.Duration // the server's
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r result) cpuPer() time.Duration {
	if r.n == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.n)
}

// load runs the closed loop: each connection sends the next body as soon
// as the previous answer is read, round-robin over bodies, for d.
func load(p *proc, bodies [][]byte, d time.Duration) result {
	var wg sync.WaitGroup
	lat := make([][]time.Duration, *conns)
	errs := make([]int, *conns)
	cpu0 := p.cpu()
	start := time.Now()
	end := start.Add(d)
	for c := range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := make([]time.Duration, 0, 1<<16)
			buf := make([]byte, 4096)
			for i := c * len(bodies) / *conns; ; i = (i + 1) % len(bodies) {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				resp, err := p.client.Post(p.url+"/v1/verify", "application/json", bytes.NewReader(bodies[i]))
				if err != nil {
					errs[c]++
					continue
				}
				n, _ := io.ReadFull(resp.Body, buf[:cap(buf)])
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || !bytes.Contains(buf[:n], []byte(`"code":"VALID"`)) {
					errs[c]++
				}
				l = append(l, time.Since(t0))
			}
			lat[c] = l
		}()
	}
	wg.Wait()
	r := result{elapsed: time.Since(start), cpu: p.cpu() - cpu0}
	all := slices.Concat(lat...)
	slices.Sort(all)
	r.n = len(all)
	for _, e := range errs {
		r.errors += e
	}
	if len(all) > 0 {
		r.p50 = all[len(all)/2]
		r.p99 = all[len(all)*99/100]
	}
	return r
}

// median is the run with the median throughput, its p99 the median p99.
func median(rs []result) result {
	byRate := slices.Clone(rs)
	slices.SortFunc(byRate, func(a, b result) int {
		switch {
		case a.rate() < b.rate():
			return -1
		case a.rate() > b.rate():
			return 1
		}
		return 0
	})
	m := byRate[len(byRate)/2]
	p99s := make([]time.Duration, len(rs))
	cpus := make([]time.Duration, len(rs))
	for i, r := range rs {
		p99s[i], cpus[i] = r.p99, r.cpuPer()
	}
	slices.Sort(p99s)
	slices.Sort(cpus)
	m.p99 = p99s[len(p99s)/2]
	m.cpu = cpus[len(cpus)/2] * time.Duration(m.n)
	return m
}
