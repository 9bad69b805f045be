package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/keyward/keyward/internal/sqlite"
	"github.com/spf13/cobra"
)

// The committed scripts in completions/ are generated from the command
// tree, and TestCompletionScriptsUpToDate fails when they are stale.
// After adding or changing a command, run: go generate ./...
//
//go:generate go run ../internal/gencompletions -dir ../completions

// Shells are the shells keyward writes completion scripts for, with the
// file extension of each committed script.
var Shells = []struct{ Name, Ext string }{
	{"bash", "bash"},
	{"zsh", "zsh"},
	{"fish", "fish"},
	{"powershell", "ps1"},
}

// NewCmdCompletion builds keyward completion.
func NewCmdCompletion(f *Factory) *cobra.Command {
	var names []string
	for _, s := range Shells {
		names = append(names, s.Name)
	}
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script for bash, zsh, fish or PowerShell",
		Long: `Print a shell completion script. Load it once in your shell's start-up file
and Tab completes commands, flags, aliases from your database, roles from
your configuration, scopes from the registry and the fixed values of
--status, --sort and --output.

Completion reads the same configuration as every other command (--db,
KEYWARD_DB, the config file). When the database does not exist or cannot be
read, it simply offers nothing: it never creates a database or prints an
error. Release archives carry the same scripts in completions/.`,
		Example: `  # bash (needs the bash-completion package)
  source <(keyward completion bash)
  keyward completion bash > ~/.local/share/bash-completion/completions/keyward

  # zsh: a directory on your $fpath, then restart the shell
  keyward completion zsh > "${fpath[1]}/_keyward"

  # fish
  keyward completion fish > ~/.config/fish/completions/keyward.fish

  # PowerShell, in $PROFILE
  keyward completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: names,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 || !slices.Contains(names, args[0]) {
				return keys.Errorf(keys.EINVALID, "usage", "completion needs one shell: %s", strings.Join(names, ", ")).
					WithHint("for example: keyward completion bash")
			}
			return nil
		},
		// No configuration needed: a broken config file must not stop a
		// shell from starting.
		PersistentPreRunE: func(c *cobra.Command, args []string) error {
			f.ran = true
			f.JSON = wantsJSON(c.Flags(), f.IO.Env)
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return genCompletion(c.Root(), args[0], f.IO.Out)
		},
	}
}

// GenCompletion writes keyward's completion script for shell to w. It is
// what keyward completion prints and what go generate commits.
func GenCompletion(shell string, w io.Writer) error {
	f := &Factory{IO: &IO{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, Env: func(string) (string, bool) { return "", false }}}
	return genCompletion(NewCmdRoot(f), shell, w)
}

func genCompletion(root *cobra.Command, shell string, w io.Writer) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return fmt.Errorf("unknown shell %q", shell)
}

// Fixed values of flags, offered by completion.
var (
	statusValues = []string{
		cobra.CompletionWithDesc("active", "not expired, not revoked"),
		cobra.CompletionWithDesc("expired", "past expires_at"),
		cobra.CompletionWithDesc("revoked", "revoked keys only"),
		cobra.CompletionWithDesc("all", "every key"),
	}
	sortValues = []string{
		cobra.CompletionWithDesc("created", "creation time"),
		cobra.CompletionWithDesc("alias", "alias, alphabetically"),
		cobra.CompletionWithDesc("expires", "expiry time"),
		cobra.CompletionWithDesc("last_used", "last successful verify"),
	}
	outputValues = []string{
		cobra.CompletionWithDesc("table", "aligned columns for people"),
		cobra.CompletionWithDesc("json", "one JSON value for scripts"),
	}
)

// aliasArgs says which commands complete their arguments with aliases,
// and how many (0: any number).
var aliasArgs = map[string]int{"show": 1, "update": 1, "renew": 0, "revoke": 0}

// registerCompletions adds dynamic completion to every command in the
// tree, by flag and command name, so that a new command gets it without
// any code of its own. Call it after all commands are added.
func registerCompletions(root *cobra.Command, f *Factory) {
	fixed := func(values []string) cobra.CompletionFunc {
		return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return filterPrefix(values, toComplete), cobra.ShellCompDirectiveNoFileComp
		}
	}
	// A command may have registered its own; that one wins.
	register := func(c *cobra.Command, flag string, fn cobra.CompletionFunc) {
		if c.Flag(flag) == nil {
			return
		}
		if _, ok := c.GetFlagCompletionFunc(flag); !ok {
			_ = c.RegisterFlagCompletionFunc(flag, fn)
		}
	}
	register(root, "output", fixed(outputValues))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		register(c, "status", fixed(statusValues))
		register(c, "sort", fixed(sortValues))
		register(c, "role", f.completeRoles)
		register(c, "scope", f.completeScopes)
		if c.ValidArgsFunction == nil {
			switch n, ok := aliasArgs[c.Name()]; {
			case ok && c.Parent() == root:
				c.ValidArgsFunction = f.completeAliases(n)
			case c.Name() == "remove" && c.Parent().Name() == "scopes":
				c.ValidArgsFunction = f.completeScopeArg
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	for _, c := range root.Commands() {
		walk(c)
	}
}

// isCompletionRequest reports whether c is cobra's hidden __complete
// command, which shell completion scripts call.
func isCompletionRequest(c *cobra.Command) bool {
	return c.Name() == cobra.ShellCompRequestCmd || c.CalledAs() == cobra.ShellCompNoDescRequestCmd
}

// filterPrefix keeps the values (with or without a description) that
// start with prefix.
func filterPrefix(values []string, prefix string) []string {
	var out []string
	for _, v := range values {
		name, _, _ := strings.Cut(v, "\t")
		if strings.HasPrefix(name, prefix) {
			out = append(out, v)
		}
	}
	return out
}

// completionConfig loads the configuration for a completion request
// from the flags of the command being completed: the root's pre-run hook
// is skipped for cobra's __complete, which parses no flags itself. Any
// problem means no suggestions.
func (f *Factory) completionConfig(c *cobra.Command) (*config.Config, bool) {
	cfg, err := config.Load(c.Flags(), f.IO.Env)
	if err != nil {
		return nil, false
	}
	f.Config = cfg
	return cfg, true
}

// completionStore opens the configured database for completion, only if
// it already exists: completing must never create a database file.
func (f *Factory) completionStore(c *cobra.Command) (*sqlite.Store, bool) {
	cfg, ok := f.completionConfig(c)
	if !ok {
		return nil, false
	}
	fi, err := os.Stat(cfg.DB)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return nil, false
	}
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	s, err := sqlite.Open(ctx, cfg.DB, cfg.Policy)
	if err != nil {
		return nil, false
	}
	return s, true
}

// maxAliasCompletions bounds what a shell is offered from a large
// database.
const maxAliasCompletions = 500

var errEnough = errors.New("enough completions")

// completeAliases offers aliases from the database that start with what
// was typed: revoked keys for show and update only, and for renew with
// --reactivate. n is how many arguments the command takes (0: any).
func (f *Factory) completeAliases(n int) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if n > 0 && len(args) >= n || given(c, "all") || given(c, "key-file") {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		s, ok := f.completionStore(c)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer s.Close()
		filter := keys.Filter{Sort: "alias", Search: toComplete}
		switch c.Name() {
		case "show", "update":
			filter.AllStatuses = true
		case "renew":
			if r, _ := c.Flags().GetBool("reactivate"); r {
				filter.AllStatuses = true
			}
		}
		var out []cobra.Completion
		now := f.now()
		err := s.ListKeys(c.Context(), filter, func(k *keys.Key) error {
			if !strings.HasPrefix(k.Alias, toComplete) || slices.Contains(args, k.Alias) {
				return nil
			}
			desc := string(k.Status) + ", expires " + output.Relative(k.ExpiresAt, now)
			if k.Status == keys.StatusRevoked {
				desc = string(k.Status)
			}
			if k.Name != k.Alias {
				desc = k.Name + " (" + desc + ")"
			}
			out = append(out, cobra.CompletionWithDesc(k.Alias, desc))
			if len(out) == maxAliasCompletions {
				return errEnough
			}
			return nil
		})
		if err != nil && !errors.Is(err, errEnough) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// given reports whether c has the flag name and it was set.
func given(c *cobra.Command, name string) bool {
	fl := c.Flags().Lookup(name)
	return fl != nil && fl.Changed
}

// completeRoles offers the configured roles.
func (f *Factory) completeRoles(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cfg, ok := f.completionConfig(c)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, r := range cfg.Policy.Roles {
		if r == cfg.Policy.AdminRole {
			r = cobra.CompletionWithDesc(r, "admin role: may hold admin-only scopes")
		}
		out = append(out, r)
	}
	return filterPrefix(out, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeScopeArg offers one scope name from the registry as an
// argument (scopes remove NAME).
func (f *Factory) completeScopeArg(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return f.completeScopes(c, args, toComplete)
}

// completeScopes offers the scopes in the registry.
func (f *Factory) completeScopes(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	s, ok := f.completionStore(c)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer s.Close()
	scopes, err := s.Scopes(c.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, sc := range scopes {
		desc := sc.Description
		if sc.AdminOnly {
			desc = strings.TrimSpace("(admin only) " + desc)
		}
		if desc == "" {
			out = append(out, sc.Name)
		} else {
			out = append(out, cobra.CompletionWithDesc(sc.Name, desc))
		}
	}
	return filterPrefix(out, toComplete), cobra.ShellCompDirectiveNoFileComp
}
