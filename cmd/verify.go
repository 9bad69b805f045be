package cmd

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// VerifyOptions are the arguments of keyward verify.
type VerifyOptions struct {
	KeyFile string
	Scopes  []string
	Roles   []string
}

// NewCmdVerify builds keyward verify; runF replaces the run function in tests.
func NewCmdVerify(f *Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	var opts VerifyOptions
	c := &cobra.Command{
		Use:   "verify [--key-file FILE|-] [--scope S]... [--role R]...",
		Short: "Check a key or token: exit 0 when valid, 5 otherwise",
		Long: `Check a key or token read from standard input (first line) or --key-file,
and print the verdict: one line, or with -o json an object with valid, code,
kind, id, alias, roles, scopes and expires_at (null where unknown).

Codes, checked in this order: MALFORMED (bad checksum, or not a possible key),
NOT_FOUND (also a wrong secret), REVOKED, EXPIRED (for a token: its own expiry
or its key's), INSUFFICIENT_ROLE (--role), INSUFFICIENT_SCOPE (--scope), else
VALID. The exit status is 0 for VALID and 5 for anything else, so a shell
script can simply test it. A database file that does not exist is an error
(exit 1), not a rejection: check --db.

A valid check records last_used_at on the key, at most once a minute.`,
		Example: `  keyward verify < key.txt
  if keyward verify --scope backup:read --key-file key.txt >/dev/null; then ...; fi
  printf '%s\n' "$TOKEN" | keyward verify --role agent -o json | jq .code`,
		Args: noArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runVerify(c.Context(), f, &opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.KeyFile, "key-file", "", "read the key or token from FILE, or - for standard input (the default)")
	fl.StringArrayVar(&opts.Scopes, "scope", nil, "require this scope (repeatable)")
	fl.StringArrayVar(&opts.Roles, "role", nil, "require this role (repeatable)")
	completeFlags(c, map[string]cobra.CompletionFunc{"role": f.completeRoles, "scope": f.completeScopes})
	return c
}

func runVerify(ctx context.Context, f *Factory, opts *VerifyOptions) error {
	p := f.Config.Policy
	req := keys.VerifyRequest{}
	if len(opts.Roles) > 0 {
		r, err := p.NormalizeRoles(opts.Roles)
		if err != nil {
			return err
		}
		req.Roles = r
	}
	for _, s := range opts.Scopes {
		if err := keys.ValidateScopeName(s); err != nil {
			return err
		}
		if !slices.Contains(req.Scopes, s) {
			req.Scopes = append(req.Scopes, s)
		}
	}
	cred, err := f.readCredential(opts.KeyFile)
	if err != nil {
		return err
	}
	req.Credential = cred
	v, err := f.verify(ctx, req)
	if err != nil {
		return err
	}
	if f.JSON {
		err = f.PrintJSON(output.NewVerificationDoc(v))
	} else {
		_, err = fmt.Fprintln(f.IO.Out, f.verdictLine(v, req))
		if err == nil && !v.Valid {
			if h := verdictHint(v); h != "" {
				f.Hint("%s", h)
			}
		}
	}
	if err != nil {
		return err
	}
	if !v.Valid {
		// The verdict is the answer, not a failure of the command: no
		// error line, only the exit status.
		return errSilent
	}
	return nil
}

// verify checks a credential; a malformed one is refused before the
// database is even opened.
func (f *Factory) verify(ctx context.Context, req keys.VerifyRequest) (keys.Verification, error) {
	if _, shape := keys.Parse(req.Credential); shape == keys.Malformed {
		return keys.Verification{Code: keys.CodeMalformed}, nil
	}
	store, err := f.Open(ctx, false)
	if err != nil {
		return keys.Verification{}, err
	}
	return keys.NewVerifier(f.Config.Policy, store, f.Now).Verify(ctx, req)
}

// verdictLine is the one human line of the table form:
// "VALID key ci-bot (id …), expires 2026-12-08T06:17:22Z".
func (f *Factory) verdictLine(v keys.Verification, req keys.VerifyRequest) string {
	switch v.Kind {
	case "":
		if v.Code == keys.CodeMalformed {
			return "MALFORMED: not a well-formed key or token (bad checksum, wrong length or characters)"
		}
		return "NOT_FOUND: no key or token matches"
	}
	var b strings.Builder
	b.WriteString(string(v.Code))
	if v.Kind == keys.KindToken {
		fmt.Fprintf(&b, " token (id %s) of key %s (id %s)", v.ID, v.Alias, v.KeyID)
	} else {
		fmt.Fprintf(&b, " key %s (id %s)", v.Alias, v.ID)
	}
	switch v.Code {
	case keys.CodeInsufficientRole:
		fmt.Fprintf(&b, ", lacks role %s", strings.Join(missing(v.Roles, req.Roles), ", "))
		return b.String()
	case keys.CodeInsufficientScope:
		if !slices.Contains(v.Scopes, keys.AllScopes) {
			fmt.Fprintf(&b, ", lacks scope %s", strings.Join(missing(v.Scopes, req.Scopes), ", "))
		} else {
			fmt.Fprintf(&b, ", lacks a required scope: %s", strings.Join(req.Scopes, ", "))
		}
		return b.String()
	case keys.CodeRevoked:
		return b.String()
	}
	if v.ExpiresAt != nil {
		verb := "expires"
		if v.Code == keys.CodeExpired {
			verb = "expired"
		}
		fmt.Fprintf(&b, ", %s %s", verb, output.When(v.ExpiresAt, f.now(), f.IO.OutTTY))
	}
	return b.String()
}

// verdictHint says what to do about an invalid credential.
func verdictHint(v keys.Verification) string {
	switch v.Code {
	case keys.CodeMalformed:
		return "check that the whole key was copied, on one line"
	case keys.CodeNotFound:
		return "check the key and --db"
	case keys.CodeRevoked:
		return "ask for a new key; a revoked key's tokens stay dead even if it is reactivated"
	case keys.CodeExpired:
		if v.Kind == keys.KindToken {
			return "mint a new token with: keyward token"
		}
		return "renew it with: keyward renew " + v.Alias
	case keys.CodeInsufficientRole:
		return "give the key the role with: keyward update " + v.Alias + " --role …"
	case keys.CodeInsufficientScope:
		return "see the key's scopes with: keyward show " + v.Alias
	}
	return ""
}

func missing(have, want []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}
