// Package serve answers verification requests over HTTP, for services
// (POST /v1/verify) and reverse proxies (/v1/auth): one more caller of the
// domain's Verifier, with a cache of looked-up records in front of the
// store.
package serve

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// Limits of a hardened server: a key is at most a few hundred bytes, so a
// request is small, and slow or idle clients are cut off.
const (
	MaxBody           = 4 << 10
	maxHeader         = 16 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownGrace     = 10 * time.Second
	defaultInFlight   = 256
	defaultCacheSize  = 100_000
)

// Options configure a Server.
type Options struct {
	Policy keys.Policy
	Finder keys.Finder // the store
	Watch  Watcher
	Log    *slog.Logger     // access log; nil: none
	Now    func() time.Time // nil: time.Now
	// MaxInFlight bounds the requests handled at once; the others wait
	// for a slot. 0: 256.
	MaxInFlight int
	// CacheSize bounds the records remembered. 0: 100,000.
	CacheSize int
	// NoLastUse records no last_used_at: the database is read-only to
	// this process.
	NoLastUse bool
}

// Server is keyward's verification server.
type Server struct {
	verifier keys.Verifier
	cache    *Cache
	touch    *toucher
	watch    Watcher
	m        *metrics
	log      *slog.Logger
	slots    chan struct{}
	metricsH http.Handler
}

// New builds a Server; Serve starts it.
func New(opt Options) *Server {
	m := newMetrics()
	if opt.MaxInFlight <= 0 {
		opt.MaxInFlight = defaultInFlight
	}
	if opt.CacheSize <= 0 {
		opt.CacheSize = defaultCacheSize
	}
	s := &Server{watch: opt.Watch, m: m, log: opt.Log, slots: make(chan struct{}, opt.MaxInFlight), metricsH: m.handler()}
	s.cache = NewCache(opt.Finder, opt.Watch.Changes, opt.CacheSize, m)
	s.touch = newToucher(opt.Watch.Touch, m)
	s.verifier = keys.Verifier{Policy: opt.Policy, Finder: s.cache, Touch: s.touch.Touch, Now: opt.Now}
	if opt.NoLastUse {
		s.verifier.Touch = nil
	}
	return s
}

// Serve answers on ln until ctx is done, then stops accepting, finishes
// the requests in flight (for at most 10 s) and writes the last uses.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeader,
		ErrorLog:          slogErrorLog(s.log),
	}
	touchCtx, stopTouch := context.WithCancel(context.WithoutCancel(ctx))
	touched := make(chan struct{})
	go func() { s.touch.run(touchCtx); close(touched) }()
	defer func() { stopTouch(); <-touched }()

	s.logEvent("listening", slog.String("addr", describe(ln)))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.logEvent("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ServeHTTP routes a request. Routing is a switch: four routes do not
// need a mux, and a mux's own 404 and 405 answers are not JSON.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &logRecord{}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-r.Context().Done():
		return
	}
	p := r.URL.Path
	switch {
	case p == "/v1/verify":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			rec.status = writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
			break
		}
		s.verify(w, r, rec)
		s.m.observe(rec.code, start)
	case p == "/v1/auth" || strings.HasPrefix(p, "/v1/auth/"):
		s.auth(w, r, rec)
		s.m.observe(rec.code, start)
	case p == "/healthz":
		if onlyGet(w, r, rec) {
			s.health(w, r, rec)
		}
	case p == "/metrics":
		if onlyGet(w, r, rec) {
			rec.status = http.StatusOK
			s.metricsH.ServeHTTP(w, r)
		}
	default:
		rec.status = writeError(w, http.StatusNotFound, "not_found", "no such route; serve answers POST /v1/verify, /v1/auth, GET /healthz and GET /metrics")
	}
	s.access(r, rec, start)
}

func onlyGet(w http.ResponseWriter, r *http.Request, rec *logRecord) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	rec.status = writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use GET")
	return false
}

func (s *Server) health(w http.ResponseWriter, r *http.Request, rec *logRecord) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.watch.Ping(ctx); err != nil {
		rec.status = http.StatusServiceUnavailable
		rec.err = err
		w.WriteHeader(rec.status)
		w.Write([]byte(`{"status":"unavailable"}` + "\n"))
		return
	}
	rec.status = http.StatusOK
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}
