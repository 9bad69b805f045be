package cmd

import (
	"context"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// UpdateOptions are the arguments of keyward update.
type UpdateOptions struct {
	Ref    string
	Change keys.Change
}

// NewCmdUpdate builds keyward update; runF replaces the run function in tests.
func NewCmdUpdate(f *Factory, runF func(context.Context, *UpdateOptions) error) *cobra.Command {
	var (
		opts                     UpdateOptions
		name, description, owner string
		roles, scopes, meta      []string
		clearMeta                bool
		tokenTTL                 time.Duration
	)
	c := &cobra.Command{
		Use:   "update ALIAS|ID",
		Short: "Change a key's name, owner, roles or scopes without renewing it",
		Long: `Change what a key is, without touching its expiry or its key string:
narrowing a key's rights never extends its life. Given --role or --scope
replace the old sets, so give the full new set; --no-roles removes every
role. --meta replaces the whole set of labels the same way; --clear-meta
removes them. At least one change is required.`,
		Example: `  keyward update ci-bot --owner platform-team
  keyward update ci-bot --role agent --role user
  keyward update ci-bot --scope backup:read --token-ttl 2h`,
		Args: func(c *cobra.Command, args []string) error {
			if err := refArgs(1)(c, args); err != nil {
				return err
			}
			if len(args) > 1 {
				return keys.Errorf(keys.EINVALID, "usage", "update takes one alias or id").WithHint("update keys one at a time")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ref = args[0]
			opts.Change = keys.Change{
				Name:        changedString(c, "name", name),
				Description: changedString(c, "description", description),
				Owner:       changedString(c, "owner", owner),
				Roles:       changedList(c, "role", roles),
				Scopes:      changedList(c, "scope", scopes),
			}
			if c.Flags().Changed("no-roles") {
				if opts.Change.Roles != nil {
					return keys.Errorf(keys.EINVALID, "usage", "give either --role or --no-roles, not both").
						WithHint("--role replaces the roles; --no-roles removes them all")
				}
				opts.Change.Roles = &[]string{}
			}
			if tokenTTL != 0 {
				opts.Change.TokenTTL = &tokenTTL
			}
			m, err := keys.NewMetaChange(meta, clearMeta)
			if err != nil {
				return err
			}
			opts.Change.Meta = m
			if opts.Change.Empty() {
				return keys.Errorf(keys.EINVALID, "nothing_to_update", "nothing to update").
					WithHint("give at least one of --name, --description, --owner, --role, --no-roles, --scope, --token-ttl, --meta, --clear-meta")
			}
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runUpdate(c.Context(), f, &opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&name, "name", "", "new display name")
	fl.StringVar(&description, "description", "", "new description")
	fl.StringVar(&owner, "owner", "", "new owner")
	fl.StringArrayVar(&roles, "role", nil, "new roles, replacing the old ones (repeatable)")
	fl.Bool("no-roles", false, "remove every role")
	fl.StringArrayVar(&scopes, "scope", nil, "new scopes, replacing the old ones (repeatable; '*' for all)")
	durationVar(fl, &tokenTTL, "token-ttl", "longest token that may be minted from the key")
	fl.StringArrayVar(&meta, "meta", nil, "labels NAME=VALUE, replacing the old set (repeatable)")
	fl.BoolVar(&clearMeta, "clear-meta", false, "remove every label")
	completeFlags(c, map[string]cobra.CompletionFunc{"role": f.completeRoles, "scope": f.completeScopes})
	c.ValidArgsFunction = f.completeAliases(1, everyKey)
	return c
}

func runUpdate(ctx context.Context, f *Factory, opts *UpdateOptions) error {
	if err := opts.Change.Validate(f.Config.Policy); err != nil {
		return err
	}
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	k, err := store.UpdateKey(ctx, opts.Ref, opts.Change)
	if err != nil {
		return err
	}
	if f.JSON {
		return f.PrintJSON(output.NewKeyDoc(k))
	}
	return f.PrintTable(f.recordTable(k))
}
