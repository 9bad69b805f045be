package cmd

import (
	"context"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// ScopeAddOptions are the arguments of keyward scopes add.
type ScopeAddOptions struct {
	Name        string
	Description string
	AdminOnly   bool
}

// ScopeRemoveOptions are the arguments of keyward scopes remove.
type ScopeRemoveOptions struct {
	Name string
}

// NewCmdScopes builds keyward scopes and its subcommands; on its own, as
// scopes list, it lists the registry. runF replaces the list's run
// function in tests.
func NewCmdScopes(f *Factory, runF func(context.Context) error) *cobra.Command {
	list := func(c *cobra.Command, args []string) error {
		if runF != nil {
			return runF(c.Context())
		}
		return runScopesList(c.Context(), f)
	}
	c := &cobra.Command{
		Use:   "scopes",
		Short: "Manage the registry of scopes keys may be given",
		Long: `The scope registry: the permission names (backup:read) a key may be given
with --scope. Only registered scopes can be granted; an admin-only scope only
to a key holding the admin role (config admin_role). A key with scope "*"
holds every non-admin-only scope, and the admin-only ones too if it is an
admin key.

On its own, keyward scopes lists the registry, with how many non-revoked
keys name each scope (keys holding "*" are not counted).`,
		Example: `  keyward scopes
  keyward scopes add backup:read --description "read backups"
  keyward scopes add keys:admin --admin-only
  keyward scopes remove backup:read`,
		Args: noArgs,
		RunE: list,
	}
	c.AddCommand(
		&cobra.Command{
			Use:   "list",
			Short: "List the scope registry",
			Long: `List every registered scope: its name, description, whether it is
admin-only, and how many non-revoked keys name it. Same as keyward scopes.`,
			Example: `  keyward scopes list
  keyward scopes list -o json | jq -r '.[] | select(.keys == 0) | .name'`,
			Args: noArgs,
			RunE: list,
		},
		NewCmdScopesAdd(f, nil),
		NewCmdScopesRemove(f, nil),
	)
	return c
}

// NewCmdScopesAdd builds keyward scopes add; runF replaces the run
// function in tests.
func NewCmdScopesAdd(f *Factory, runF func(context.Context, *ScopeAddOptions) error) *cobra.Command {
	var opts ScopeAddOptions
	c := &cobra.Command{
		Use:   "add NAME",
		Short: "Register a scope",
		Long: `Register a scope name: a lowercase letter, then up to 63 of a-z 0-9 _ . : -
An existing name is a conflict (exit 4). --admin-only reserves the scope to
keys holding the admin role.`,
		Example: `  keyward scopes add backup:read --description "read backups"
  keyward scopes add billing.write --admin-only`,
		Args: scopeNameArg,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runScopesAdd(c.Context(), f, &opts)
		},
	}
	c.Flags().StringVar(&opts.Description, "description", "", "what the scope allows, up to 1000 characters")
	c.Flags().BoolVar(&opts.AdminOnly, "admin-only", false, "only keys holding the admin role may be given this scope")
	return c
}

// NewCmdScopesRemove builds keyward scopes remove; runF replaces the run
// function in tests.
func NewCmdScopesRemove(f *Factory, runF func(context.Context, *ScopeRemoveOptions) error) *cobra.Command {
	var opts ScopeRemoveOptions
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Unregister a scope no key uses",
		Long: `Unregister a scope. An unknown scope is exit 3; a scope still named by a
non-revoked key is a conflict (exit 4) naming those keys (up to ten): take it
off them with keyward update, or revoke them, first.`,
		Example: `  keyward scopes remove backup:read`,
		Args:    scopeNameArg,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runScopesRemove(c.Context(), f, &opts)
		},
		ValidArgsFunction: f.completeScopeArg,
	}
}

// scopeNameArg accepts exactly one valid scope name.
func scopeNameArg(c *cobra.Command, args []string) error {
	for _, a := range args {
		// A long scope name (billing:invoices:read-write-…) is no secret.
		if keys.ValidateScopeName(a) != nil && keys.LooksLikeCredential(a) {
			return keys.ErrSecretArgument()
		}
	}
	if len(args) != 1 {
		return keys.Errorf(keys.EINVALID, "usage", "%s takes one scope name, got %d", c.CommandPath(), len(args)).
			WithHint("see: %s --help", c.CommandPath())
	}
	return keys.ValidateScopeName(args[0])
}

func runScopesList(ctx context.Context, f *Factory) error {
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	scopes, err := store.Scopes(ctx)
	if err != nil {
		return err
	}
	if f.JSON {
		return printJSONArray(f, scopes, func(sc keys.Scope) any { return scopeDoc(sc) })
	}
	if err := f.PrintTable(scopesTable(scopes)); err != nil {
		return err
	}
	if len(scopes) == 0 {
		f.Hint("no scopes registered yet; add one with: keyward scopes add NAME")
	}
	return nil
}

func runScopesAdd(ctx context.Context, f *Factory, opts *ScopeAddOptions) error {
	if err := keys.ValidateDescription(opts.Description); err != nil {
		return err
	}
	store, err := f.Open(ctx, true)
	if err != nil {
		return err
	}
	sc := keys.Scope{Name: opts.Name, Description: opts.Description, AdminOnly: opts.AdminOnly}
	if err := store.AddScope(ctx, sc); err != nil {
		return err
	}
	if f.JSON {
		return f.PrintJSON(scopeDoc(sc))
	}
	return f.PrintTable(scopesTable([]keys.Scope{sc}))
}

func runScopesRemove(ctx context.Context, f *Factory, opts *ScopeRemoveOptions) error {
	name := opts.Name
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	if err := store.RemoveScope(ctx, name); err != nil {
		return err
	}
	if f.JSON {
		return f.PrintJSON(output.ScopeRemovedDoc{Name: name, Removed: true})
	}
	return nil
}

func scopeDoc(sc keys.Scope) output.ScopeDoc {
	return output.ScopeDoc{Name: sc.Name, Description: sc.Description, AdminOnly: sc.AdminOnly, Keys: sc.Keys}
}

func scopesTable(scopes []keys.Scope) *output.Table {
	t := output.NewTable("NAME", "DESCRIPTION", "ADMIN ONLY", "KEYS").Shorten("DESCRIPTION")
	for _, sc := range scopes {
		desc := strings.NewReplacer("\n", " / ", "\t", " ").Replace(sc.Description)
		t.Row(sc.Name, dash(desc), yesNo(sc.AdminOnly), strconv.Itoa(sc.Keys))
	}
	return t
}
