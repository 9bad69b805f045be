package cmd

import (
	"context"
	"strconv"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// ShowOptions are the arguments of keyward show.
type ShowOptions struct {
	Ref string // alias or id
}

// NewCmdShow builds keyward show; runF replaces the run function in tests.
func NewCmdShow(f *Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	var opts ShowOptions
	return &cobra.Command{
		Use:   "show ALIAS|ID",
		Short: "Show one key and its active tokens",
		Long: `Show one key's record and how many of its tokens are active. The secret
and its hash are never shown; "masked" is the stub to recognise the key by.`,
		Example: `  keyward show ci-bot
  keyward show ci-bot -o json | jq .expires_at`,
		Args: func(c *cobra.Command, args []string) error {
			if err := refArgs(1)(c, args); err != nil {
				return err
			}
			if len(args) > 1 {
				return keys.Errorf(keys.EINVALID, "usage", "show takes one alias or id").WithHint("use keyward list for several keys")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runShow(c.Context(), f, &opts)
		},
		ValidArgsFunction: f.completeAliases(1, everyKey),
	}
}

func runShow(ctx context.Context, f *Factory, opts *ShowOptions) error {
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	k, err := store.FindKey(ctx, opts.Ref)
	if err != nil {
		return err
	}
	n, err := store.ActiveTokens(ctx, k.ID)
	if err != nil {
		return err
	}
	if f.JSON {
		return f.PrintJSON(output.ShownDoc{KeyDoc: output.NewKeyDoc(k), ActiveTokens: n})
	}
	t := f.recordTable(k)
	t.Row("ACTIVE TOKENS", strconv.Itoa(n))
	return t.Render(f.IO.Out)
}
