package cmd

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/postgres"
	"github.com/keyward/keyward/internal/serve"
	"github.com/keyward/keyward/internal/sqlite"
	"github.com/spf13/cobra"
)

// ServeOptions are the arguments of keyward serve.
type ServeOptions struct {
	Listen string
}

// NewCmdServe builds keyward serve; runF replaces the run function in tests.
func NewCmdServe(f *Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := ServeOptions{Listen: serve.DefaultAddr}
	c := &cobra.Command{
		Use:   "serve [--listen ADDR]",
		Short: "Answer verification requests over HTTP, for services and reverse proxies",
		Long: `Answer verification requests over HTTP until SIGINT or SIGTERM, then finish the
requests in flight and exit 0. It offers no way to change anything.

  POST /v1/verify   {"key": "…", "scopes": […], "roles": […]} → the JSON of verify -o json
  /v1/auth…         for reverse proxies: the key from Authorization: Bearer or X-API-Key,
                    required scopes and roles from ?scope=&role= or X-Keyward-Scope and
                    X-Keyward-Role; 200, 401 or 403, with X-Keyward-* identity headers
  GET /healthz      200 when the database answers, else 503
  GET /metrics      Prometheus metrics

--listen is HOST:PORT (an IP address or localhost; default 127.0.0.1:8787) or
unix:PATH (a socket created 0660). serve listens beyond loopback only when told
to by address. A revocation or any other change committed by another keyward
process is honoured by the next request. One JSON access-log line per request
goes to standard error; it never holds a key.`,
		Example: `  keyward serve
  keyward serve --listen unix:/run/keyward/keyward.sock
  curl -s localhost:8787/v1/verify -d '{"key": "'"$(cat key.txt)"'", "scopes": ["backup:read"]}'`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runServe(c.Context(), f, &opts)
		},
	}
	c.Flags().StringVar(&opts.Listen, "listen", opts.Listen, "HOST:PORT or unix:PATH to listen on")
	return c
}

func runServe(ctx context.Context, f *Factory, opts *ServeOptions) error {
	addr, err := serve.ParseAddr(opts.Listen)
	if err != nil {
		return serveHint(err)
	}
	st, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	var watch serve.Watcher
	var finder keys.Finder
	readOnly := false
	switch s := st.(type) {
	case *sqlite.Store:
		if s.ReadOnly() {
			w, err := s.WatchReadOnly(ctx)
			if err != nil {
				return serveHint(err)
			}
			defer w.Close()
			watch, finder, readOnly = w, w.Finder(), true
			f.Warn("database %s is read-only to this user: serve verifies, but records no last use (last_used_at)", s.Path())
			break
		}
		w, err := s.Watch(ctx)
		if err != nil {
			return err
		}
		defer w.Close()
		watch, finder = w, s.Finder()
	case *postgres.Store:
		w, err := s.Watch(ctx)
		if err != nil {
			return err
		}
		defer w.Close()
		watch, finder = w, s
	default:
		return keys.Errorf(keys.EINTERNAL, "engine_unsupported", "serve cannot watch this database for changes")
	}
	ln, err := serve.Listen(addr)
	if err != nil {
		return serveHint(err)
	}
	if !addr.Loopback() {
		f.Warn("listening on %s, beyond loopback: serve speaks plain HTTP, so keep it on a network you trust or behind TLS", addr)
	}
	if _, set := f.IO.Env("GOGC"); !set {
		// A few MB of live heap and thousands of small requests a second:
		// at Go's default the collector runs constantly for little gain.
		debug.SetGCPercent(400)
	}
	logw := serve.NewLogWriter(f.IO.ErrOut)
	defer logw.Close()
	srv := serve.New(serve.Options{
		Policy: f.Config.Policy,
		Finder: finder,
		Watch:  watch,
		Log:    slog.New(slog.NewJSONHandler(logw, nil)),
		Now:    f.Now,
		// A reader that may not write records no last use.
		NoLastUse: readOnly,
	})
	return srv.Serve(ctx, ln)
}

// serveHint says what to do about an address serve cannot use.
func serveHint(err error) error {
	var ke *keys.Error
	if !errors.As(err, &ke) || ke.Hint != "" {
		return err
	}
	switch ke.Reason {
	case "invalid_listen":
		return ke.WithHint("give --listen HOST:PORT (127.0.0.1:8787) or unix:PATH (unix:/run/keyward/keyward.sock)")
	case "address_in_use":
		return ke.WithHint("stop the server already there, or choose another address with --listen")
	case "listen_failed":
		return ke.WithHint("check the address and the permissions of the socket's directory; ports below 1024 need privileges")
	case "db_read_only":
		if ke.Values["problem"] == "rollback" {
			return ke.WithHint("run any keyward command once as the database's owner (keyward list): it switches the file to WAL")
		}
	}
	return err
}
