package serve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/keys"
)

// finder is an in-memory store: subjects by hash, and a registry.
type finder struct {
	mu       sync.Mutex
	subjects map[string]*keys.Subject
	registry keys.Registry
	finds    int // FindCredential calls
	regs     int // Registry calls
	err      error
	during   func() // runs inside FindCredential, between read and return
}

func (f *finder) FindCredential(ctx context.Context, hash string) (*keys.Subject, error) {
	f.mu.Lock()
	f.finds++
	s, err, during := f.subjects[hash], f.err, f.during
	f.mu.Unlock()
	if during != nil {
		during()
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (f *finder) Registry(ctx context.Context) (keys.Registry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.regs++
	return f.registry, f.err
}

func (f *finder) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.finds
}

// set replaces what hash finds, as a commit by another process would.
func (f *finder) set(hash string, s *keys.Subject) {
	f.mu.Lock()
	f.subjects[hash] = s
	f.mu.Unlock()
}

// watcher counts commits by "other processes" and records touches.
type watcher struct {
	mu         sync.Mutex
	version    uint64
	changesErr error
	pingErr    error
	touched    []map[string]time.Time
	touchErr   error
	changes    int
}

func (w *watcher) Changes(context.Context) (uint64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.changes++
	return w.version, w.changesErr
}

func (w *watcher) commit() {
	w.mu.Lock()
	w.version++
	w.mu.Unlock()
}

func (w *watcher) Touch(_ context.Context, uses map[string]time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.touchErr != nil {
		return w.touchErr
	}
	w.touched = append(w.touched, uses)
	return nil
}

func (w *watcher) Ping(context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pingErr
}

func (w *watcher) Close() error { return nil }

func (w *watcher) changesCalls() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.changes
}

// fixture is a Server over a finder holding a few credentials, at a
// fixed clock.
type fixture struct {
	t      *testing.T
	srv    *Server
	f      *finder
	w      *watcher
	log    *bytes.Buffer
	now    time.Time
	policy keys.Policy
	creds  map[string]string // alias → key string
}

var testPolicy = keys.Policy{Prefix: "kw", DefaultTTL: 15 * 24 * time.Hour, MaxTTL: 90 * 24 * time.Hour,
	TokenTTL: time.Hour, MaxTokenTTL: 24 * time.Hour, Roles: []string{"admin", "creator", "user", "agent"}, AdminRole: "admin"}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	fx := &fixture{t: t, f: &finder{subjects: map[string]*keys.Subject{}, registry: keys.Registry{
		"backup:read":  {Name: "backup:read"},
		"backup:write": {Name: "backup:write"},
	}}, w: &watcher{}, log: &bytes.Buffer{}, now: now, policy: testPolicy, creds: map[string]string{}}
	fx.addKey("ci-bot", []string{"agent"}, []string{"backup:read"}, now.Add(24*time.Hour), nil)
	fx.addKey("wild", []string{"user"}, []string{keys.AllScopes}, now.Add(24*time.Hour), nil)
	fx.addKey("old", []string{"agent"}, []string{"backup:read"}, now.Add(-time.Hour), nil)
	revoked := now.Add(-time.Minute)
	fx.addKey("gone", []string{"agent"}, []string{"backup:read"}, now.Add(24*time.Hour), &revoked)
	fx.srv = New(Options{Policy: fx.policy, Finder: fx.f, Watch: fx.w, Log: slog.New(slog.NewJSONHandler(syncWriter{fx.log, &sync.Mutex{}}, nil)),
		Now: func() time.Time { return fx.now }})
	return fx
}

type syncWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (s syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (fx *fixture) addKey(alias string, roles, scopes []string, expires time.Time, revoked *time.Time) *keys.Key {
	c := keys.NewCredential("kw", keys.KindKey)
	k := &keys.Key{ID: c.ID, Alias: alias, Name: alias, Roles: roles, Scopes: scopes, ExpiresAt: expires, RevokedAt: revoked}
	fx.f.subjects[c.Hash] = &keys.Subject{Kind: keys.KindKey, Key: k}
	fx.creds[alias] = c.String
	return k
}

// do sends one request through the server's handler.
func (fx *fixture) do(method, target, body string, header ...string) *httptest.ResponseRecorder {
	fx.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	fx.srv.ServeHTTP(rec, req)
	return rec
}

func (fx *fixture) verify(body string) *httptest.ResponseRecorder {
	fx.t.Helper()
	return fx.do(http.MethodPost, "/v1/verify", body)
}

var errDown = errors.New("database is down")

func hashOf(s string) string { return keys.Hash(s) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
