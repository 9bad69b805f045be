package cmd

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/store"
)

// Factory gives commands what they share: streams, the configuration
// resolved by the root command, the output format, and the store.
type Factory struct {
	IO     *IO
	Config *config.Config
	Now    func() time.Time // nil: time.Now

	// JSON is whether output and errors are JSON. The root command's
	// pre-run hook sets it, from the configuration or, when that does
	// not load, from --output and KEYWARD_OUTPUT alone.
	JSON bool

	args  []string // the raw arguments, for errors before flags parse
	store keys.Store
	ran   bool // flags parsed and a command's hooks started
}

// Open opens the configured database once per run. Only commands that
// add something pass create: every other one fails on a missing
// database and creates nothing.
func (f *Factory) Open(ctx context.Context, create bool) (keys.Store, error) {
	if f.store != nil {
		return f.store, nil
	}
	actor, err := f.actor()
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, f.Config.DB, store.Options{Policy: f.Config.Policy, Create: create, Now: f.Now, Actor: actor})
	if err != nil {
		return nil, err
	}
	f.store = s
	if store.Engine(f.Config.DB) == store.SQLite {
		f.warnIfReadable(f.Config.DB)
		f.warnIfWorldWritable(filepath.Dir(f.Config.DB), "directory", "anyone could replace the database")
	}
	return s, nil
}

// Close closes the store if it was opened.
func (f *Factory) Close() {
	if f.store != nil {
		f.store.Close()
	}
}

func (f *Factory) now() time.Time {
	if f.Now != nil {
		return f.Now().UTC()
	}
	return time.Now().UTC()
}

// warnIfReadable warns when the database can be read by other users.
func (f *Factory) warnIfReadable(path string) {
	if fi, err := os.Stat(path); err == nil && othersMayRead(fi) {
		f.Warn("database %s is readable by other users (mode %04o); run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
}
