package cmd

import (
	"context"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// RevokeOptions are the arguments of keyward revoke.
type RevokeOptions struct {
	Refs    []string
	Reason  string
	KeyFile string
}

// NewCmdRevoke builds keyward revoke; runF replaces the run function in tests.
func NewCmdRevoke(f *Factory, runF func(context.Context, *RevokeOptions) error) *cobra.Command {
	var opts RevokeOptions
	c := &cobra.Command{
		Use:   "revoke ALIAS|ID... | --key-file FILE|-",
		Short: "Revoke keys at once, and their tokens with them",
		Long: `Revoke keys: they stop verifying at once, and so do all their tokens. The
record stays (soft revocation), so the key can be audited, and brought back
with renew --reactivate; its old tokens stay dead.

Revoking a revoked key succeeds and says so ("already_revoked": true).
--key-file - revokes the key read from standard input: for a leaked key
found in a log, when you do not know its alias.`,
		Example: `  keyward revoke ci-bot --reason "laptop stolen"
  keyward revoke old-a old-b
  grep -o 'kw_[A-Za-z0-9_]*' app.log | head -1 | keyward revoke --key-file -`,
		Args: refArgs(0),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Refs = args
			switch {
			case c.Flags().Changed("key-file") && len(args) > 0:
				return keys.Errorf(keys.EINVALID, "usage", "give either aliases or --key-file, not both").
					WithHint("keyward revoke ALIAS..., or keyward revoke --key-file -")
			case !c.Flags().Changed("key-file") && len(args) == 0:
				return keys.Errorf(keys.EINVALID, "usage", "revoke needs aliases or --key-file").
					WithHint("keyward revoke ci-bot, or pipe the key: keyward revoke --key-file -")
			}
			if err := keys.ValidateReason(opts.Reason); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runRevoke(c.Context(), f, &opts)
		},
	}
	c.Flags().StringVar(&opts.Reason, "reason", "", "why, kept with the record")
	c.Flags().StringVar(&opts.KeyFile, "key-file", "", "revoke the key read from FILE, or - for standard input")
	c.ValidArgsFunction = f.completeAliases(0, activeKeys)
	return c
}

func runRevoke(ctx context.Context, f *Factory, opts *RevokeOptions) error {
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	var results []keys.RevokeResult
	if opts.KeyFile != "" {
		cred, err := f.readCredential(opts.KeyFile)
		if err != nil {
			return err
		}
		r, err := store.RevokeCredential(ctx, cred, opts.Reason)
		if err != nil {
			return err
		}
		results = []keys.RevokeResult{r}
	} else if results, err = store.RevokeKeys(ctx, opts.Refs, opts.Reason); err != nil {
		return err
	}
	for _, r := range results {
		if r.AlreadyRevoked {
			f.Hint("key %q was already revoked", r.Key.Alias)
		}
	}
	if f.JSON {
		doc := func(r keys.RevokeResult) any {
			return output.RevokedDoc{KeyDoc: output.NewKeyDoc(r.Key), AlreadyRevoked: r.AlreadyRevoked}
		}
		if len(results) == 1 && len(opts.Refs) <= 1 {
			return f.PrintJSON(doc(results[0]))
		}
		return printJSONArray(f, results, doc)
	}
	t := output.NewTable("ALIAS", "ID", "STATUS", "REVOKED", "ALREADY REVOKED")
	for _, r := range results {
		t.Row(r.Key.Alias, r.Key.ID, string(r.Key.Status), output.When(r.Key.RevokedAt, f.now(), f.IO.OutTTY), yesNo(r.AlreadyRevoked))
	}
	return f.PrintTable(t)
}
