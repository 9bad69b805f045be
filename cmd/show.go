package cmd

import (
	"context"
	"strconv"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// ShowOptions are the arguments of keyward show.
type ShowOptions struct {
	Ref     string // alias or id
	KeyFile string // or the key or token string read from this file (- for stdin)
}

// NewCmdShow builds keyward show; runF replaces the run function in tests.
func NewCmdShow(f *Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	var opts ShowOptions
	c := &cobra.Command{
		Use:   "show ALIAS|ID | --key-file FILE|-",
		Short: "Show one key and its active tokens, or whose a key string is",
		Long: `Show one key's record and how many of its tokens are active. The secret
and its hash are never shown; "masked" is the stub to recognise the key by.

With --key-file, show the key that a key or token string belongs to (for a
token, its key, with "kind": "token"), whatever its status: for the string
found in a log or a ticket. A key's previous string, replaced by a rotation,
is told as such ("previous": true), with when it stops or stopped working.
It writes nothing, not even last_used_at. A malformed or unknown string
exits 5.`,
		Example: `  keyward show ci-bot
  keyward show ci-bot -o json | jq .expires_at
  grep -o 'kw_[A-Za-z0-9_]*' app.log | head -1 | keyward show --key-file -`,
		Args: func(c *cobra.Command, args []string) error {
			if err := refArgs(0)(c, args); err != nil {
				return err
			}
			keyFile := c.Flags().Changed("key-file")
			switch {
			case keyFile && len(args) > 0:
				return keys.Errorf(keys.EINVALID, "usage", "give either an alias or --key-file, not both").
					WithHint("keyward show ALIAS, or keyward show --key-file -")
			case !keyFile && len(args) == 0:
				return keys.Errorf(keys.EINVALID, "usage", "keyward show needs an alias or key id, or --key-file").
					WithHint("keyward show ci-bot, or pipe the string: keyward show --key-file -")
			case len(args) > 1:
				return keys.Errorf(keys.EINVALID, "usage", "show takes one alias or id").WithHint("use keyward list for several keys")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Ref = args[0]
			}
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runShow(c.Context(), f, &opts)
		},
		ValidArgsFunction: f.completeAliases(1, everyKey),
	}
	c.Flags().StringVar(&opts.KeyFile, "key-file", "", "show the key a string read from FILE belongs to (- for standard input)")
	return c
}

func runShow(ctx context.Context, f *Factory, opts *ShowOptions) error {
	var cred string
	if opts.KeyFile != "" {
		var err error
		if cred, err = f.readCredential(opts.KeyFile); err != nil {
			return err
		}
	}
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	var (
		k           *keys.Key
		kind        keys.Kind
		previousEnd *time.Time // the string given is the key's previous one
	)
	if opts.KeyFile != "" {
		// Found by its hash and nothing more: no verification, so no
		// last_used_at is written.
		var sub *keys.Subject
		if _, shape := keys.Parse(cred); shape != keys.Malformed {
			if sub, err = store.FindCredential(ctx, keys.Hash(cred)); err != nil {
				return err
			}
		}
		if sub, err = keys.Whose(cred, sub); err != nil {
			return err
		}
		k, kind, previousEnd = sub.Key, sub.Kind, sub.PreviousEnd()
	} else if k, err = store.FindKey(ctx, opts.Ref); err != nil {
		return err
	}
	n, err := store.ActiveTokens(ctx, k.ID)
	if err != nil {
		return err
	}
	previous := keys.LivePrevious(k, k.PreviousValidUntil, f.now())
	if f.JSON {
		doc := output.NewShownDoc(k, n, previous)
		if kind != "" {
			return f.PrintJSON(output.FoundDoc{ShownDoc: doc, Kind: string(kind), Previous: previousEnd != nil})
		}
		return f.PrintJSON(doc)
	}
	var extra [][2]string
	if kind != "" {
		extra = append(extra, [2]string{"KIND", string(kind)})
	}
	if kind == keys.KindKey {
		extra = append(extra, [2]string{"STRING", f.stringText(previousEnd)})
	}
	t := f.recordTable(k, extra...)
	t.Row("ACTIVE TOKENS", strconv.Itoa(n))
	if previous != nil {
		t.Row("PREVIOUS UNTIL", output.When(previous, f.now(), f.IO.OutTTY))
	}
	return f.PrintTable(t)
}

// stringText says which of its key's strings show --key-file was given:
// the current one, or the previous one and when it stops (or stopped)
// working.
func (f *Factory) stringText(previousEnd *time.Time) string {
	if previousEnd == nil {
		return "current"
	}
	now := f.now()
	when := whenBoth(previousEnd, now, f.IO.OutTTY)
	if now.Before(*previousEnd) {
		return "previous (replaced by a rotation): works until " + when
	}
	return "previous (replaced by a rotation): stopped working at " + when
}
