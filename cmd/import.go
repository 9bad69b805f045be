package cmd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// ImportOptions are the arguments of keyward import.
type ImportOptions struct {
	File string // "" or "-": standard input
}

// progressFrom is the size from which an import shows progress on a
// terminal: below it the whole import takes well under a second.
const progressFrom = 10000

// NewCmdImport builds keyward import; runF replaces the run function in tests.
func NewCmdImport(f *Factory, runF func(context.Context, *ImportOptions) error) *cobra.Command {
	var opts ImportOptions
	c := &cobra.Command{
		Use:   "import [FILE|-]",
		Short: "Create many keys at once from JSON Lines",
		Long: `Create keys in bulk from JSON Lines, one key per line, read from FILE or
standard input. Each line is an object:

  {"alias": "ci-bot", "name": "CI", "description": "", "owner": "ops",
   "roles": ["agent"], "scopes": ["backup:read"], "ttl": "30d"}

alias is required; name, description, owner, roles, scopes, ttl or expires_at
(RFC 3339, in the future and at most max_ttl away) and key are optional, and
any other field is an error. key keeps an existing key string from another
system (16 to 256 printable characters): only its SHA-256 is stored, and
verify finds it. Without key, a new key string is generated.

Every line is checked first, with the rules of create. Any bad line is named
with its line number (up to 20 of them) and nothing is imported: exit 2 for an
invalid line, 4 for one whose alias or key already exists. Otherwise all keys
are written in one transaction.

The output is always JSON Lines, one object per key: alias, id and, for a
generated key only, key. Store it safely: generated keys are shown only now.`,
		Example: `  keyward import keys.jsonl > issued.jsonl
  jq -c '.[] | {alias: .name, key: .token}' export.json | keyward import -`,
		Args: func(c *cobra.Command, args []string) error {
			for _, a := range args {
				// A key pasted where the file name goes is refused without
				// being echoed; a long path that exists is a file.
				if _, err := os.Stat(a); err != nil && keys.LooksLikeCredential(a) && !strings.Contains(a, "/") {
					return keys.ErrSecretArgument()
				}
			}
			if len(args) > 1 {
				return keys.Errorf(keys.EINVALID, "usage", "import takes at most one file, got %d", len(args)).
					WithHint("concatenate the files: cat a.jsonl b.jsonl | keyward import")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if runF != nil {
				return runF(c.Context(), &opts)
			}
			return runImport(c.Context(), f, &opts)
		},
	}
	return c
}

func runImport(ctx context.Context, f *Factory, opts *ImportOptions) error {
	var in io.Reader = f.IO.In
	if opts.File != "" && opts.File != "-" {
		fh, err := os.Open(opts.File)
		if err != nil {
			return keys.Errorf(keys.EINVALID, "import_file", "cannot read %s: %s", opts.File, pathErr(err)).
				WithHint("check the path, or pipe the lines on standard input")
		}
		defer fh.Close()
		in = fh
	} else if f.IO.InTTY {
		return keys.Errorf(keys.EINVALID, "no_input", "import reads JSON Lines from a file or standard input, and standard input is a terminal").
			WithHint("give a file: keyward import keys.jsonl, or pipe the lines in")
	}
	r := &keys.ImportReader{Policy: f.Config.Policy, Now: f.now().Truncate(1e9)}
	progressed := false
	if f.IO.ErrTTY {
		r.ProgressEvery = progressFrom
		r.Progress = func(n int) {
			progressed = true
			fmt.Fprintf(f.IO.ErrOut, "\rkeyward: checked %d lines", n)
		}
	}
	items, err := r.ReadImport(in)
	if progressed {
		fmt.Fprint(f.IO.ErrOut, "\r\033[K") // clear the progress line
	}
	if err != nil {
		return err
	}
	if len(items) == 0 {
		f.Hint("nothing to import: the input has no lines")
		return nil
	}
	if progressed {
		fmt.Fprintf(f.IO.ErrOut, "keyward: writing %d keys in one transaction\n", len(items))
	}
	store, err := f.Open(ctx, true)
	if err != nil {
		return err
	}
	// Write, then commit: the store hands the lines (every generated
	// key's only copy) out before its commit, and when they cannot be
	// written nothing is imported.
	delivered := false
	_, err = store.ImportDeliver(ctx, items, func(res []keys.ImportResult) error {
		if err := f.printImported(res); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return errInterruptedBeforeCommit()
		}
		delivered = true
		return nil
	})
	if err != nil && delivered {
		return errNotSaved("keys", err)
	}
	return err
}

// printImported writes one JSON line per imported key; a failure to write
// is errOutput.
func (f *Factory) printImported(res []keys.ImportResult) error {
	w := bufio.NewWriterSize(f.IO.Out, 64<<10)
	generated := false
	for _, r := range res {
		b, err := output.Marshal(output.ImportedDoc{Alias: r.Alias, ID: r.ID, Key: r.Secret})
		if err != nil {
			return err
		}
		generated = generated || r.Secret != ""
		if _, err := w.Write(append(b, '\n')); err != nil {
			return errOutput("keys", err)
		}
	}
	if err := w.Flush(); err != nil {
		return errOutput("keys", err)
	}
	if generated {
		f.warnIfKeyExposed()
	}
	return nil
}
