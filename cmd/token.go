package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// TokenOptions are the arguments of keyward token.
type TokenOptions struct {
	KeyFile string
	TTL     time.Duration // 0: token_ttl
	Scopes  []string
	Quiet   bool
}

// NewCmdToken builds keyward token; runF replaces the run function in tests.
func NewCmdToken(f *Factory, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	var opts TokenOptions
	c := &cobra.Command{
		Use:   "token [--key-file FILE|-] [--ttl DUR] [--scope S]...",
		Short: "Exchange a key for a short-lived token",
		Long: `Mint a short-lived token from a key. The key is read from standard input
(first line) or from --key-file, never from the command line.

The token lasts --ttl (default: token_ttl), but never longer than the key's
token TTL nor past the key's own expiry: a longer request is shortened, with
a warning. It carries the key's scopes, or the subset given with --scope.
Every call mints a new token; revoking the key kills all its tokens, and
reactivating the key does not bring them back.

An unknown, revoked or expired key is refused with exit 5; a database file
that does not exist is an error (exit 1).`,
		Example: `  keyward token < key.txt
  TOKEN=$(keyward token -q --ttl 15m --scope backup:read --key-file key.txt)
  keyward token --key-file - -o json < key.txt | jq -r .expires_at`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runToken(c.Context(), f, &opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.KeyFile, "key-file", "", "read the key from FILE, or - for standard input (the default)")
	durationVar(fl, &opts.TTL, "ttl", "how long the token lasts (default: token_ttl; capped at the key's token TTL and expiry)")
	fl.StringArrayVar(&opts.Scopes, "scope", nil, "narrow the token to this scope of the key's (repeatable)")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "print only the token string")
	completeFlags(c, map[string]cobra.CompletionFunc{"scope": f.completeScopes})
	return c
}

func runToken(ctx context.Context, f *Factory, opts *TokenOptions) error {
	p := f.Config.Policy
	var req keys.TokenRequest
	if opts.TTL != 0 {
		d := opts.TTL
		if d < time.Second {
			return keys.Errorf(keys.EINVALID, "invalid_duration", "--ttl %s is shorter than one second", d).
				WithHint("ask for a token of at least 1s, such as --ttl 15m")
		}
		req.TTL = d
	}
	if len(opts.Scopes) > 0 {
		s, err := keys.NormalizeScopes(opts.Scopes)
		if err != nil {
			return err
		}
		if !(len(s) == 1 && s[0] == keys.AllScopes) {
			req.Scopes = s // "*" alone asks for all of the key's: no narrowing
		}
	}
	cred, err := f.readCredential(opts.KeyFile)
	if err != nil {
		return err
	}
	req.Token = keys.NewCredential(p.Prefix, keys.KindToken)
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	// Minting is no use of the key: nothing is touched.
	res, err := keys.MintFrom(ctx, &keys.Verifier{Policy: p, Finder: store, Now: f.Now}, store, cred, req)
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		f.Warn("%s", w)
	}
	t := res.Token
	switch {
	case opts.Quiet:
		_, err := fmt.Fprintln(f.IO.Out, res.Secret)
		return err
	case f.JSON:
		return f.PrintJSON(output.NewTokenDoc(res.Secret, t))
	}
	now, tty := f.now(), f.IO.OutTTY
	tbl := output.NewTable().Shorten("SCOPES")
	tbl.Row("TOKEN", res.Secret)
	tbl.Row("ID", t.ID)
	tbl.Row("KEY ID", t.KeyID)
	tbl.Row("ALIAS", t.Alias)
	tbl.Row("SCOPES", dash(strings.Join(t.Scopes, ",")))
	tbl.Row("CREATED", output.When(&t.CreatedAt, now, tty))
	tbl.Row("EXPIRES", output.When(&t.ExpiresAt, now, tty))
	return f.PrintTable(tbl)
}
