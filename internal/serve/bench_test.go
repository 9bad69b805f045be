package serve

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/sqlite"
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
	st.SetReaders(4)
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
