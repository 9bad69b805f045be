package serve

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/sqlite"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// benchServer is a Server on a real SQLite store of n keys.
func benchServer(b *testing.B, n, cacheSize int) (*Server, []string) {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "keyward.db"), testPolicy)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	creds := make([]string, n)
	for i := range creds {
		c := keys.NewCredential("kw", keys.KindKey)
		if _, err := st.CreateKey(ctx, keys.CreateRequest{Alias: fmt.Sprintf("k%05d", i), Credential: c}); err != nil {
			b.Fatal(err)
		}
		creds[i] = c.String
	}
	w, err := st.Watch(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	return New(Options{Policy: testPolicy, Finder: st.Finder(), Watch: w, CacheSize: cacheSize,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil))}), creds
}

func benchVerify(b *testing.B, s *Server, creds []string) {
	bodies := make([]string, len(creds))
	for i, c := range creds {
		bodies[i] = `{"key":"` + c + `"}`
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest("POST", "/v1/verify", strings.NewReader(bodies[i%len(bodies)]))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Body)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "verifications/s")
}

// BenchmarkVerifyHit is POST /v1/verify answered from the cache, without
// the network: the handler's own cost.
func BenchmarkVerifyHit(b *testing.B) {
	s, creds := benchServer(b, 200, 0)
	benchVerify(b, s, creds)
}

// BenchmarkVerifyMiss is the same with every request a cache miss.
func BenchmarkVerifyMiss(b *testing.B) {
	s, creds := benchServer(b, 200, 1)
	benchVerify(b, s, creds)
}

// BenchmarkServeHit is the whole server on loopback, 4 keep-alive
// clients in the same process: for profiles of net/http's share.
func BenchmarkServeHit(b *testing.B) {
	s, creds := benchServer(b, 2000, 0)
	ln, err := Listen(Addr{Network: "tcp", Address: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, ln); close(done) }()
	defer func() { stop(); <-done }()
	url := "http://" + ln.Addr().String() + "/v1/verify"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, MaxConnsPerHost: 4}}
	for _, c := range creds { // every record cached, every use noted
		resp, err := client.Post(url, "application/json", strings.NewReader(`{"key":"`+c+`"}`))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	s.touch.flush(ctx)
	var next atomic.Int64
	b.SetParallelism(2) // 4 goroutines on 2 cores
	b.ResetTimer()
	b.Cleanup(func() {
		b.Logf("flushes %v misses %v hits %v", testutilValue(s.m.cacheFlushes), testutilValue(s.m.cacheMisses), testutilValue(s.m.cacheHits))
	})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			resp, err := client.Post(url, "application/json", strings.NewReader(`{"key":"`+creds[i%int64(len(creds))]+`"}`))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func testutilValue(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}
