package cmd

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/cobra"
)

// lifecycleIO is a set of in-memory streams.
type lifecycleIO struct {
	io          *IO
	out, errOut *bytes.Buffer
}

func newLifecycleIO(env map[string]string) lifecycleIO {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return lifecycleIO{
		io: &IO{In: strings.NewReader(""), Out: out, ErrOut: errOut,
			Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }},
		out: out, errOut: errOut,
	}
}

// newLifecycleFactory is a Factory on a fresh database with the default
// policy and a clock the test sets.
func newLifecycleFactory(t *testing.T, now *time.Time) (*Factory, lifecycleIO) {
	t.Helper()
	dir := t.TempDir()
	s := newLifecycleIO(map[string]string{"HOME": dir, "XDG_CONFIG_HOME": dir, "XDG_DATA_HOME": dir})
	cfg, err := config.Load(NewCmdRoot(&Factory{IO: s.io}).PersistentFlags(), s.io.Env)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DB = filepath.Join(dir, "keyward.db")
	f := &Factory{IO: s.io, Config: cfg, Now: func() time.Time { return *now }}
	t.Cleanup(f.Close)
	return f, s
}

// parse runs cmd with args and returns what RunE or the argument checks said.
func parse(c *cobra.Command, args ...string) error {
	c.SetArgs(args)
	c.SetOut(&bytes.Buffer{})
	c.SetErr(&bytes.Buffer{})
	c.SilenceErrors, c.SilenceUsage = true, true
	return c.ExecuteContext(context.Background())
}

func wantReason(t *testing.T, err error, code, reason string) {
	t.Helper()
	var ke *keys.Error
	if !errors.As(err, &ke) {
		t.Fatalf("err = %v (%T), want %s/%s", err, err, code, reason)
	}
	if ke.Code != code || ke.Reason != reason {
		t.Fatalf("err = %s/%s %q, want %s/%s", ke.Code, ke.Reason, ke.Message, code, reason)
	}
}

func ptr[T any](v T) *T { return &v }

// setSettingsEnv makes env's KEYWARD_* settings the process's own for the
// test, as viper reads them there; a setting env leaves out is unset.
func setSettingsEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range config.Keys {
		t.Setenv(config.EnvName(k), env[config.EnvName(k)])
	}
}
