package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/serve"
	"github.com/keyward/keyward/internal/sqlite"
)

// runUncached is keyward serve's own server on the same database with its
// cache bounded to one record, so that every request of a round-robin
// over many keys is a miss: a data_version read, then the store's
// look-up.
func runUncached(db string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	day := 24 * time.Hour
	policy := keys.Policy{Prefix: "kw", DefaultTTL: 15 * day, MaxTTL: 90 * day, TokenTTL: time.Hour, MaxTokenTTL: day,
		Roles: []string{"admin", "creator", "user", "agent"}, AdminRole: "admin"}
	st, err := sqlite.Open(ctx, db, policy)
	if err != nil {
		return err
	}
	defer st.Close()
	w, err := st.Watch(ctx)
	if err != nil {
		return err
	}
	defer w.Close()
	addr, _ := serve.ParseAddr("127.0.0.1:0")
	ln, err := serve.Listen(addr)
	if err != nil {
		return err
	}
	debug.SetGCPercent(400) // as keyward serve runs
	logw := serve.NewLogWriter(os.Stderr)
	defer logw.Close()
	srv := serve.New(serve.Options{Policy: policy, Finder: st.Finder(), Watch: w, CacheSize: 1,
		Log: slog.New(slog.NewJSONHandler(logw, nil))})
	return srv.Serve(ctx, ln)
}
