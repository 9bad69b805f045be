package cmd

import (
	"context"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// RenewOptions are the arguments of keyward renew.
type RenewOptions struct {
	Refs           []string
	All            bool
	TTL            time.Duration // 0: the key's own TTL
	Name           *string
	Roles          *[]string
	Scopes         *[]string
	Reactivate     bool
	ExpiringWithin time.Duration // with All; 0: no expiry filter
	Owner          *string
	DryRun         bool
}

// NewCmdRenew builds keyward renew; runF replaces the run function in tests.
func NewCmdRenew(f *Factory, runF func(context.Context, *RenewOptions) error) *cobra.Command {
	var (
		opts        RenewOptions
		name, owner string
		roles       []string
		scopes      []string
	)
	c := &cobra.Command{
		Use:   "renew ALIAS... | --all",
		Short: "Extend keys' validity, keeping their key strings",
		Long: `Renew keys: each one's expiry becomes now + its TTL (or --ttl, which then
becomes the key's TTL). The key string stays the same, so integrations keep
working, and it is not printed again.

An expired key can be renewed; a revoked one only with --reactivate. Given
--name, --role or --scope replace the old values.

With --all, every non-revoked key matching --expiring-within, --owner and
--role (a filter here) is renewed in one transaction: all of them or none.
--dry-run shows what would be renewed and changes nothing. This is the form
for cron.`,
		Example: `  keyward renew ci-bot
  keyward renew ci-bot backup --ttl 30d
  keyward renew old-bot --reactivate
  keyward renew --all --expiring-within 3d -o json
  keyward renew --all --owner ops@example.com --dry-run`,
		Args: refArgs(0),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Refs = args
			opts.Name = changedString(c, "name", name)
			opts.Roles = changedList(c, "role", roles)
			opts.Scopes = changedList(c, "scope", scopes)
			opts.Owner = changedString(c, "owner", owner)
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runRenew(c.Context(), f, &opts)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&opts.All, "all", false, "renew every non-revoked key matching the filters")
	durationVar(fl, &opts.TTL, "ttl", "new validity window, kept as the key's TTL (at most max_ttl)")
	fl.StringVar(&name, "name", "", "new display name")
	fl.StringArrayVar(&roles, "role", nil, "new roles (repeatable); with --all, renew only keys holding this role")
	fl.StringArrayVar(&scopes, "scope", nil, "new scopes (repeatable)")
	fl.BoolVar(&opts.Reactivate, "reactivate", false, "bring a revoked key back")
	durationVar(fl, &opts.ExpiringWithin, "expiring-within", "with --all: only keys expiring within this duration (or already expired)")
	fl.StringVar(&owner, "owner", "", "with --all: only keys of this owner")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "with --all: show what would be renewed, change nothing")
	completeFlags(c, map[string]cobra.CompletionFunc{"role": f.completeRoles, "scope": f.completeScopes})
	c.ValidArgsFunction = f.completeAliases(0, func(c *cobra.Command) bool {
		// Only --reactivate brings a revoked key back.
		r, _ := c.Flags().GetBool("reactivate")
		return r
	})
	return c
}

func (o *RenewOptions) check() error {
	usage := func(msg, hint string) error {
		return keys.Errorf(keys.EINVALID, "usage", "%s", msg).WithHint("%s", hint)
	}
	switch {
	case o.All && len(o.Refs) > 0:
		return usage("give either aliases or --all, not both", "keyward renew ALIAS... or keyward renew --all")
	case !o.All && len(o.Refs) == 0:
		return usage("renew needs aliases or --all", "keyward renew ci-bot, or keyward renew --all --expiring-within 3d")
	case o.All && (o.TTL != 0 || o.Name != nil || o.Scopes != nil || o.Reactivate):
		return usage("--ttl, --name, --scope and --reactivate apply to named keys, not --all", "renew those keys by alias")
	case o.All && o.Roles != nil && len(*o.Roles) > 1:
		return usage("--all takes one --role filter", "run renew --all once per role")
	case !o.All && (o.ExpiringWithin != 0 || o.Owner != nil || o.DryRun):
		return usage("--expiring-within, --owner and --dry-run go with --all", "add --all")
	}
	return nil
}

func runRenew(ctx context.Context, f *Factory, opts *RenewOptions) error {
	p := f.Config.Policy
	var (
		out []*keys.Key
		err error
	)
	if opts.All {
		req := keys.RenewAllRequest{Owner: opts.Owner, DryRun: opts.DryRun}
		if opts.Roles != nil && len(*opts.Roles) == 1 {
			req.Role = (*opts.Roles)[0]
			if _, err := p.NormalizeRoles([]string{req.Role}); err != nil {
				return err
			}
		}
		req.ExpiringWithin = opts.ExpiringWithin
		store, err := f.Open(ctx, false)
		if err != nil {
			return err
		}
		if out, err = store.RenewAll(ctx, req); err != nil {
			return err
		}
		if opts.DryRun {
			f.Hint("dry run: %d key(s) would be renewed; nothing was changed", len(out))
		}
		return f.printKeys(out, true)
	}
	req := keys.RenewRequest{Refs: opts.Refs, Reactivate: opts.Reactivate,
		Change: keys.Change{Name: opts.Name, Roles: opts.Roles, Scopes: opts.Scopes}}
	if opts.TTL != 0 {
		req.TTL = opts.TTL
		if err := p.CheckTTL(req.TTL); err != nil {
			return err
		}
	}
	if err := req.Change.Validate(p); err != nil {
		return err
	}
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	if out, err = store.RenewKeys(ctx, req); err != nil {
		return err
	}
	return f.printKeys(out, len(opts.Refs) > 1)
}

// printKeys prints keys as an object (one key, asArray false) or an array.
func (f *Factory) printKeys(ks []*keys.Key, asArray bool) error {
	if f.JSON {
		if !asArray && len(ks) == 1 {
			return f.PrintJSON(output.NewKeyDoc(ks[0]))
		}
		return printJSONArray(f, ks, func(k *keys.Key) any { return output.NewKeyDoc(k) })
	}
	if len(ks) == 0 {
		f.Hint("no keys matched")
		return nil
	}
	return f.PrintTable(f.keysTable(ks))
}
