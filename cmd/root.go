package cmd

import (
	"errors"
	"strings"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/keys"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// NewCmdRoot builds the keyward command tree around f.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "keyward",
		Short: "Issue and manage API keys for services",
		Long: `keyward issues and manages API keys for services, from a terminal or a script.

Keys live in one SQLite file. A key's secret is printed once, by create, and never
stored: only its SHA-256. Every key expires and is renewed on purpose; revoking a
key kills its tokens. Keys and tokens are read from standard input or --key-file,
never from the command line.`,
		Example: `  keyward create ci-bot --role agent
  keyward list --expiring-within 7d
  keyward renew --all --expiring-within 3d -o json
  keyward verify --scope backup:read < key.txt`,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(c *cobra.Command, args []string) error {
			if isCompletionRequest(c) {
				// Completion loads the configuration itself, from the
				// flags of the command being completed, and never fails.
				return nil
			}
			f.ran = true
			return f.loadConfig(c.Flags())
		},
	}
	root.SetVersionTemplate("keyward {{.Version}}\n")
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		var repeat errConflictingRepeat
		if errors.As(err, &repeat) {
			return keys.Errorf(keys.EINVALID, "conflicting_flags", "%s", repeat.Error()).
				WithHint("give --%s once", repeat.name)
		}
		return keys.Errorf(keys.EINVALID, "usage", "%s", err.Error()).WithHint("see: %s --help", c.CommandPath())
	})

	pf := root.PersistentFlags()
	pf.String("db", "", "database file (env KEYWARD_DB; default $XDG_DATA_HOME/keyward/keyward.db)")
	pf.String("config", "", "config file (env KEYWARD_CONFIG; default $XDG_CONFIG_HOME/keyward/config.yaml)")
	pf.StringP("output", "o", "", "output format: table or json (env KEYWARD_OUTPUT)")

	root.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdRenew(f, nil),
		NewCmdUpdate(f, nil),
		NewCmdList(f, nil),
		NewCmdShow(f, nil),
		NewCmdRevoke(f, nil),
		NewCmdScopes(f),
		NewCmdToken(f, nil),
		NewCmdVerify(f, nil),
		NewCmdServe(f, nil),
		NewCmdImport(f, nil),
		NewCmdConfig(f),
		NewCmdVersion(f),
		NewCmdCompletion(f),
	)
	refuseConflictingRepeats(root)
	registerCompletions(root, f)
	return root
}

// refuseConflictingRepeats makes a single-value flag given twice with
// different values a usage error, where pflag would silently keep the
// last: "--ttl 1d ... --ttl 90d" in a script is a bug to report, not to
// guess at. Repeatable flags (--role, --scope) accumulate as before.
func refuseConflictingRepeats(c *cobra.Command) {
	wrap := func(fl *pflag.Flag) {
		t := fl.Value.Type()
		if _, done := fl.Value.(*onceValue); done || strings.HasSuffix(t, "Slice") || strings.HasSuffix(t, "Array") {
			return
		}
		fl.Value = &onceValue{Value: fl.Value, name: fl.Name}
	}
	c.Flags().VisitAll(wrap)
	c.PersistentFlags().VisitAll(wrap)
	for _, sub := range c.Commands() {
		refuseConflictingRepeats(sub)
	}
}

// onceValue is a flag value that may be set again only to the same value.
type onceValue struct {
	pflag.Value
	name  string
	set   bool
	first string
}

func (v *onceValue) Set(s string) error {
	if v.set && s != v.first {
		return errConflictingRepeat{name: v.name}
	}
	v.set, v.first = true, s
	return v.Value.Set(s)
}

type errConflictingRepeat struct{ name string }

func (e errConflictingRepeat) Error() string {
	return "--" + e.name + " is given twice with different values"
}

// loadConfig resolves the configuration for the command about to run.
func (f *Factory) loadConfig(flags *pflag.FlagSet) error {
	f.JSON = wantsJSON(flags, f.IO.Env)
	cfg, err := config.Load(flags, f.IO.Env)
	if err != nil {
		return err
	}
	f.Config = cfg
	f.JSON = cfg.Output == "json"
	return nil
}

// wantsJSON reads the output format from the flag or the environment,
// before (and whether or not) the rest of the configuration loads.
func wantsJSON(flags *pflag.FlagSet, env config.Env) bool {
	if o := flags.Lookup("output"); o != nil && o.Changed {
		return o.Value.String() == "json"
	}
	v, _ := env("KEYWARD_OUTPUT")
	return v == "json"
}

// guessJSON finds -o json in raw arguments, for errors that happen
// before cobra has parsed the flags.
func guessJSON(args []string, env config.Env) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "-ojson" || a == "--output=json" || a == "-o=json":
			return true
		case (a == "-o" || a == "--output") && i+1 < len(args):
			return args[i+1] == "json"
		}
	}
	v, _ := env("KEYWARD_OUTPUT")
	return v == "json"
}

// commandPath names the subcommand args were meant for, for hints.
func commandPath(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil || c == root {
		return ""
	}
	return strings.TrimPrefix(c.CommandPath(), "keyward ")
}
