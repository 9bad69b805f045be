package cmd

// STAND-IN: a minimal verify so that the scale branch can benchmark and
// test it end to end. The verify branch's cmd/verify.go replaces this
// file at merge.

import (
	"fmt"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// NewCmdVerify builds keyward verify.
func NewCmdVerify(f *Factory) *cobra.Command {
	var keyFile string
	var roles, scopes []string
	c := &cobra.Command{
		Use:   "verify [--key-file FILE|-] [--scope S]... [--role R]...",
		Short: "Check a key or token read from stdin or a file",
		Args:  noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			ctx := c.Context()
			cred, err := f.readCredential(keyFile)
			if err != nil {
				return err
			}
			store, err := f.Store(ctx)
			if err != nil {
				return err
			}
			v, err := store.Verify(ctx, keys.VerifyRequest{Credential: cred, Roles: roles, Scopes: scopes})
			if err != nil {
				return err
			}
			if f.JSON {
				j := output.NewObject(nil).Bool("valid", v.Valid).String("code", string(v.Code))
				j.NullString("kind", string(v.Kind)).NullString("id", v.ID).NullString("alias", v.Alias)
				j.Strings("roles", v.Roles).Strings("scopes", v.Scopes).NullTime("expires_at", v.ExpiresAt)
				err = f.WriteJSON(j.Bytes())
			} else {
				_, err = fmt.Fprintln(f.IO.Out, v.Code)
			}
			if err == nil && !v.Valid {
				return errSilent
			}
			return err
		},
	}
	c.Flags().StringVar(&keyFile, "key-file", "", "read the key from FILE (- for stdin)")
	c.Flags().StringArrayVar(&roles, "role", nil, "required role (repeatable)")
	c.Flags().StringArrayVar(&scopes, "scope", nil, "required scope (repeatable)")
	return c
}
