package cmd

import (
	"errors"
	"strings"

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
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(c *cobra.Command, args []string) error {
			if isCompletionRequest(c) {
				// Completion loads the configuration itself, from the
				// flags of the command being completed, and never fails.
				return nil
			}
			return f.prepare(c)
		},
	}
	root.SetVersionTemplate("keyward {{.Version}}\n")
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		var ke *keys.Error
		if errors.As(err, &ke) {
			// A typed flag value refused it and said why.
			return ke
		}
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

	if c := namedCommand(f); c != nil {
		root.AddCommand(c)
		root.CompletionOptions.DisableDefaultCmd = true
		return finishRoot(root)
	}
	root.Version = versionString()
	root.AddCommand(allCommands(f)...)
	return finishRoot(root)
}

// finishRoot wires what the root gives every command: completion of
// --output and the refusal of conflicting repeated flags.
func finishRoot(root *cobra.Command) *cobra.Command {
	completeFlags(root, map[string]cobra.CompletionFunc{"output": fixedValues(outputValues)})
	refuseConflictingRepeats(root)
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

// commandPath names the subcommand args were meant for, for hints.
func commandPath(root *cobra.Command, args []string) string {
	c, _, err := root.Find(args)
	if err != nil || c == root {
		return ""
	}
	return strings.TrimPrefix(c.CommandPath(), "keyward ")
}
