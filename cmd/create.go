package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// CreateOptions are the arguments of keyward create.
type CreateOptions struct {
	Alias       string
	Name        *string
	Description *string
	Owner       *string
	Roles       *[]string
	Scopes      *[]string
	TTL         time.Duration // 0: default_ttl
	TokenTTL    time.Duration // 0: token_ttl
	OrRenew     bool
	Reactivate  bool
	Quiet       bool
	Meta        []string // NAME=VALUE labels
}

// NewCmdCreate builds keyward create; runF replaces the run function in tests.
func NewCmdCreate(f *Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	var (
		opts                     CreateOptions
		name, description, owner string
		roles, scopes            []string
	)
	c := &cobra.Command{
		Use:   "create ALIAS",
		Short: "Create a key and print it once",
		Long: `Create a new API key under a unique alias and print it once.

The key string is shown only now: keyward stores its SHA-256, never the key.
Store it in your secret manager straight away; if it is lost, revoke the key
and create another. An existing alias is a conflict (exit 4) unless
--or-renew is given, which renews the existing key instead (and applies the
other flags given), so provisioning scripts can run again and again.`,
		Example: `  keyward create ci-bot --role agent
  keyward create backup --owner ops@example.com --scope backup:read --ttl 30d
  keyward create billing-api --meta env=prod --meta team=billing
  KEY=$(keyward create deploy -q)
  keyward create ci-bot --or-renew -o json`,
		Args: func(c *cobra.Command, args []string) error {
			if err := refArgs(0)(c, args); err != nil {
				return err
			}
			if len(args) == 0 {
				return keys.Errorf(keys.EINVALID, "usage", "create needs an alias for the new key").
					WithHint("for example: keyward create ci-bot")
			}
			if len(args) > 1 {
				return keys.Errorf(keys.EINVALID, "usage", "create takes one alias, got %d", len(args)).
					WithHint("create keys one at a time, or use keyward import for many")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Alias = args[0]
			opts.Name = changedString(c, "name", name)
			opts.Description = changedString(c, "description", description)
			opts.Owner = changedString(c, "owner", owner)
			opts.Roles = changedList(c, "role", roles)
			opts.Scopes = changedList(c, "scope", scopes)
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runCreate(c.Context(), f, &opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&name, "name", "", "display name (default: the alias)")
	fl.StringVar(&description, "description", "", "free text, up to 1000 characters")
	fl.StringVar(&owner, "owner", "", "who holds the key: a user or a service")
	fl.StringArrayVar(&roles, "role", nil, "role from the configured set (repeatable)")
	fl.StringArrayVar(&scopes, "scope", nil, "registered scope (repeatable; default: *, every non-admin-only scope)")
	durationVar(fl, &opts.TTL, "ttl", "validity window, e.g. 15d (default: default_ttl; at most max_ttl)")
	durationVar(fl, &opts.TokenTTL, "token-ttl", "longest token that may be minted from the key (default: token_ttl)")
	fl.BoolVar(&opts.OrRenew, "or-renew", false, "renew the key if the alias exists, instead of failing")
	fl.BoolVar(&opts.Reactivate, "reactivate", false, "with --or-renew: bring a revoked key back")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only the key string")
	fl.StringArrayVar(&opts.Meta, "meta", nil, "label NAME=VALUE (repeatable), e.g. env=prod")
	completeFlags(c, map[string]cobra.CompletionFunc{"role": f.completeRoles, "scope": f.completeScopes})
	return c
}

func runCreate(ctx context.Context, f *Factory, opts *CreateOptions) error {
	p := f.Config.Policy
	req := keys.CreateRequest{
		Alias:      opts.Alias,
		OrRenew:    opts.OrRenew,
		Reactivate: opts.Reactivate,
		Fields: keys.Change{
			Name: opts.Name, Description: opts.Description, Owner: opts.Owner,
			Roles: opts.Roles, Scopes: opts.Scopes,
		},
	}
	req.TTL = opts.TTL
	if opts.TokenTTL != 0 {
		req.Fields.TokenTTL = &opts.TokenTTL
	}
	meta, err := keys.NewMetaChange(opts.Meta, false)
	if err != nil {
		return err
	}
	req.Fields.Meta = meta
	if err := req.Validate(p); err != nil {
		return err
	}
	req.Credential = keys.NewCredential(p.Prefix, keys.KindKey)
	store, err := f.Open(ctx, true)
	if err != nil {
		return err
	}
	// Write, then commit: a new key whose secret could not be written
	// (stdout on a full disk) is not created at all.
	delivered := false
	req.Deliver = func(res keys.CreateResult) error {
		if err := f.printCreated(res, opts); err != nil {
			return errOutput("key", err)
		}
		// A signal while the key was being written: the operator
		// wanted out, and the exit status will say nothing was made.
		if ctx.Err() != nil {
			return errInterruptedBeforeCommit()
		}
		delivered = true
		f.warnIfKeyExposed()
		return nil
	}
	res, err := store.CreateKey(ctx, req)
	if err != nil && delivered {
		return errNotSaved("key", err)
	}
	if err != nil {
		return err
	}
	if !delivered {
		// A renewed key prints no secret; a store that cannot hand a
		// new key out before its commit has committed it by now.
		if err := f.printCreated(res, opts); err != nil || res.Renewed {
			return err
		}
	}
	if !opts.Quiet && !f.JSON {
		f.Hint("store the key now: keyward shows it only once")
	}
	return nil
}

// printCreated prints a created or renewed key in the form asked for.
func (f *Factory) printCreated(res keys.CreateResult, opts *CreateOptions) error {
	switch {
	case opts.Quiet && res.Renewed:
		f.Hint("key %q existed and was renewed; its key string is not shown again", res.Key.Alias)
		return nil
	case opts.Quiet:
		_, err := fmt.Fprintln(f.IO.Out, res.Secret)
		return err
	case f.JSON:
		doc := output.CreatedDoc{KeyDoc: output.NewKeyDoc(res.Key)}
		// With --or-renew, "renewed" is always there, so that a script
		// can test it whichever way it went.
		if res.Renewed || opts.OrRenew {
			doc.Renewed = &res.Renewed
		}
		if !res.Renewed {
			doc.Key = res.Secret
		}
		return f.PrintJSON(doc)
	case res.Renewed:
		return f.PrintTable(f.recordTable(res.Key, [2]string{"RENEWED", "yes"}))
	}
	return f.PrintTable(f.recordTable(res.Key, [2]string{"KEY", res.Secret}))
}
