package cmd

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/keyward/keyward/internal/store"
	"github.com/spf13/cobra"
)

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

// fixedValues completes a flag from a fixed list.
func fixedValues(values []string) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return filterPrefix(values, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFlags registers completion functions for c's flags.
func completeFlags(c *cobra.Command, fns map[string]cobra.CompletionFunc) {
	for name, fn := range fns {
		if err := c.RegisterFlagCompletionFunc(name, fn); err != nil {
			panic(err) // a flag name that does not exist: a bug
		}
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
// it already exists: completing must never create a database file, nor
// turn an empty file into one.
func (f *Factory) completionStore(c *cobra.Command) (keys.Store, bool) {
	cfg, ok := f.completionConfig(c)
	if !ok {
		return nil, false
	}
	if store.Engine(cfg.DB) == store.SQLite {
		fi, err := os.Stat(cfg.DB)
		if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
			return nil, false
		}
	}
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	s, err := store.Open(ctx, cfg.DB, store.Options{Policy: cfg.Policy, Now: f.Now})
	if err != nil {
		return nil, false
	}
	return s, true
}

// maxAliasCompletions bounds what a shell is offered from a large
// database.
const maxAliasCompletions = 500

var errEnough = errors.New("enough completions")

// Which keys a command's alias completion offers.
var (
	// activeKeys: keys that are not revoked.
	activeKeys = func(*cobra.Command) bool { return false }
	// everyKey: revoked keys too.
	everyKey = func(*cobra.Command) bool { return true }
)

// completeAliases offers aliases from the database that start with what
// was typed; revoked keys only when withRevoked says so for the command
// line being completed. n is how many arguments the command takes (0:
// any).
func (f *Factory) completeAliases(n int, withRevoked func(*cobra.Command) bool) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if n > 0 && len(args) >= n || given(c, "all") || given(c, "key-file") {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		s, ok := f.completionStore(c)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer closeStore(s)
		filter := keys.Filter{Sort: "alias", Search: toComplete, AllStatuses: withRevoked(c)}
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
	defer closeStore(s)
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

// closeStore closes a store opened for one completion request.
func closeStore(s keys.Store) { s.Close() }
