package cmd

import (
	"context"
	"strconv"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// NewCmdShow builds keyward show.
func NewCmdShow(f *Factory, runF func(context.Context, string) error) *cobra.Command {
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
			if runF != nil {
				return runF(c.Context(), args[0])
			}
			return runShow(c.Context(), f, args[0])
		},
		ValidArgsFunction: f.completeAliases(1),
	}
}

func runShow(ctx context.Context, f *Factory, ref string) error {
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	k, err := store.FindKey(ctx, ref)
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
