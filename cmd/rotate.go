package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// RotateOptions are the arguments of keyward rotate.
type RotateOptions struct {
	Ref         string
	Grace       *time.Duration // nil: the configured rotation_grace
	EndPrevious bool
	Quiet       bool
}

// NewCmdRotate builds keyward rotate; runF replaces the run function in tests.
func NewCmdRotate(f *Factory, runF func(context.Context, *RotateOptions) error) *cobra.Command {
	var (
		opts  RotateOptions
		grace string
	)
	c := &cobra.Command{
		Use:   "rotate ALIAS|ID",
		Short: "Give a key a new key string; the old one works through a grace period",
		Long: `Give a key a new key string, printed once, and keep everything else: its id,
alias, record, roles, scopes, expiry and tokens. The string it replaces keeps
verifying until now + --grace (config rotation_grace, default 24h), never past
the key's expiry, and then verifies as EXPIRED; --grace 0 ends it at once.

A key has at most two live strings: rotating again while the previous string
is in its grace is refused unless --end-previous ends that one first. A
revoked or expired key cannot be rotated: renew it first. An imported key
rotates to a string in keyward's format.`,
		Example: `  keyward rotate ci-bot
  keyward rotate ci-bot --grace 2h -q > new-key.txt
  keyward rotate ci-bot --grace 0
  keyward rotate ci-bot --end-previous`,
		Args: func(c *cobra.Command, args []string) error {
			if err := refArgs(1)(c, args); err != nil {
				return err
			}
			if len(args) > 1 {
				return keys.Errorf(keys.EINVALID, "usage", "rotate takes one alias or id").WithHint("rotate keys one at a time")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if c.Flags().Changed("grace") {
				d, err := keys.ParseGrace(grace)
				if err != nil {
					e := err.(*keys.Error)
					e.Message = "--grace: " + e.Message
					return e.WithHint("use a duration such as 30m, 24h or 7d, or 0 to end the old string at once")
				}
				opts.Grace = &d
			}
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runRotate(c.Context(), f, &opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&grace, "grace", "", "how long the old string keeps working (0: not at all; default rotation_grace)")
	fl.BoolVar(&opts.EndPrevious, "end-previous", false, "end a previous string still in its grace first")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only the new key string")
	c.ValidArgsFunction = f.completeAliases(1, activeKeys)
	return c
}

func runRotate(ctx context.Context, f *Factory, opts *RotateOptions) error {
	grace := f.Config.RotationGrace
	if opts.Grace != nil {
		grace = *opts.Grace
	}
	req := keys.RotateRequest{Ref: opts.Ref, Grace: grace, EndPrevious: opts.EndPrevious, Prefix: f.Config.Policy.Prefix}
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	// Write, then commit: when the new string cannot be written, the key
	// keeps the one it has.
	delivered := false
	_, err = store.RotateDeliver(ctx, req, func(res keys.RotateResult) error {
		if err := f.printRotated(res, opts); err != nil {
			return errRotateOutput(err)
		}
		if ctx.Err() != nil {
			return errRotateInterrupted()
		}
		delivered = true
		f.warnIfKeyExposed()
		return nil
	})
	if err != nil && delivered {
		return errNotSaved("new key string", err)
	}
	return err
}

// printRotated prints a rotated key and its new string in the form asked
// for.
func (f *Factory) printRotated(res keys.RotateResult, opts *RotateOptions) error {
	switch {
	case opts.Quiet:
		_, err := fmt.Fprintln(f.IO.Out, res.Secret)
		return err
	case f.JSON:
		return f.PrintJSON(output.NewRotatedDoc(res.Key, res.Secret, res.PreviousValidUntil))
	}
	until := "now"
	if res.PreviousValidUntil != nil {
		until = output.When(res.PreviousValidUntil, f.now(), f.IO.OutTTY)
	}
	t := f.recordTable(res.Key, [2]string{"KEY", res.Secret}, [2]string{"PREVIOUS UNTIL", until})
	return f.PrintTable(t)
}
