package cmd

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// ExportOptions are the arguments of keyward export.
type ExportOptions struct {
	File string // "" or "-": standard output
}

// NewCmdExport builds keyward export; runF replaces the run function in tests.
func NewCmdExport(f *Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	var opts ExportOptions
	return &cobra.Command{
		Use:   "export [FILE|-]",
		Short: "Write every key and the scope registry as JSON Lines for import",
		Long: `Write the whole database as JSON Lines that keyward import reads back, into
this database or another one, SQLite or PostgreSQL: first one line per
registered scope, then one line per key, revoked and expired ones too, in the
order they were created.

A key line is the key's record as show -o json prints it, plus key_sha256,
the SHA-256 that keyward stores instead of the key; a rotated key's line also
has previous_key_sha256 and previous_valid_until, its previous string's hash
and the end of its grace. No key string is ever written, and none is needed:
imported from such a line, a key keeps its id, its times, its state (revoked
stays revoked) and keeps verifying, its previous string too. Tokens are
short-lived and are not exported.

FILE is written whole or not at all (created 0600); without FILE, or with -,
the lines go to standard output.`,
		Example: `  keyward export > keys.jsonl
  keyward --db old.db export | keyward --db postgres://keyward@db.internal/keys import -`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return keys.Errorf(keys.EINVALID, "usage", "export takes at most one file, got %d", len(args)).
					WithHint("give one file, or none to write to standard output")
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
			return runExport(c.Context(), f, &opts)
		},
	}
}

func runExport(ctx context.Context, f *Factory, opts *ExportOptions) error {
	store, err := f.Open(ctx, false)
	if err != nil {
		return err
	}
	if opts.File == "" || opts.File == "-" {
		w := bufio.NewWriterSize(f.IO.Out, 64<<10)
		if err := writeExport(ctx, store, w); err != nil {
			return err
		}
		return w.Flush()
	}
	return writeFileAtomically(opts.File, func(w io.Writer) error { return writeExport(ctx, store, w) })
}

// writeExport writes the scope lines, then the key lines.
func writeExport(ctx context.Context, store keys.Store, w io.Writer) error {
	var buf []byte
	write := func(line []byte) error {
		buf = append(line, '\n')
		_, err := w.Write(buf)
		return err
	}
	return store.Export(ctx,
		func(sc keys.Scope) error { return write(output.ExportScope(buf[:0], sc)) },
		func(k *keys.Key, hash, previousHash string) error {
			return write(output.ExportKey(buf[:0], k, hash, previousHash))
		})
}

// writeFileAtomically writes path through a temporary file beside it, so
// that an interrupted export leaves no half file that looks whole.
func writeFileAtomically(path string, fn func(io.Writer) error) error {
	fail := func(err error) error {
		return keys.Errorf(keys.EINTERNAL, "io_error", "cannot write %s: %s", path, pathErr(err)).
			WithHint("check the directory exists and is writable, or write to standard output").Wrap(err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 64<<10)
	if err := fn(w); err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	return nil
}
