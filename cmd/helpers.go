package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/spf13/cobra"
)

// durationFlag parses a DUR flag value, naming the flag in the error.
func durationFlag(name, value string) (time.Duration, error) {
	d, err := keys.ParseDuration(value)
	if err != nil {
		e := err.(*keys.Error)
		e.Message = "--" + name + ": " + e.Message
		return 0, e
	}
	return d, nil
}

// givenEmpty refuses a duration flag given as "": --ttl "$TTL" with TTL
// unset must not quietly fall back to the default.
func givenEmpty(c *cobra.Command, names ...string) error {
	for _, name := range names {
		if f := c.Flags().Lookup(name); f != nil && f.Changed && f.Value.String() == "" {
			return keys.Errorf(keys.EINVALID, "invalid_duration", "--%s: invalid duration \"\"", name).
				WithHint("use a positive duration such as 90m, 36h, 15d, 2w or 1d12h, or leave --%s out", name)
		}
	}
	return nil
}

// refArgs accepts one or more ALIAS|ID arguments, refusing anything that
// looks like a secret without repeating it.
func refArgs(min int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		for _, a := range args {
			if keys.LooksLikeCredential(a) {
				return keys.ErrSecretArgument()
			}
		}
		if len(args) < min {
			return keys.Errorf(keys.EINVALID, "usage", "%s needs an alias or key id", c.CommandPath()).
				WithHint("see: %s --help", c.CommandPath())
		}
		return nil
	}
}

// noArgs refuses positional arguments; one that looks like a key gets a
// hint to pipe it instead, and is never echoed.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	for _, a := range args {
		if keys.LooksLikeCredential(a) {
			return keys.ErrSecretArgument()
		}
	}
	return keys.Errorf(keys.EINVALID, "usage", "%s takes no arguments", c.CommandPath()).
		WithHint("see: %s --help", c.CommandPath())
}

// changedString returns a pointer to a flag's value if it was given.
func changedString(c *cobra.Command, name string, v string) *string {
	if c.Flags().Changed(name) {
		return &v
	}
	return nil
}

// changedList returns a pointer to a repeatable flag's values if given.
func changedList(c *cobra.Command, name string, v []string) *[]string {
	if c.Flags().Changed(name) {
		if v == nil {
			v = []string{}
		}
		return &v
	}
	return nil
}

// readCredential reads a key or token: from the file named by keyFile,
// or standard input when keyFile is "" or "-". Only the first line
// counts, trimmed.
func (f *Factory) readCredential(keyFile string) (string, error) {
	var r io.Reader = f.IO.In
	if keyFile != "" && keyFile != "-" {
		fh, err := os.Open(keyFile)
		if err != nil && keys.LooksLikeCredential(keyFile) {
			// The key itself was given as the file name: refuse it
			// without repeating it.
			return "", keys.ErrSecretArgument()
		}
		if err != nil {
			return "", keys.Errorf(keys.EINVALID, "key_file", "cannot read --key-file %s: %s", keyFile, pathErr(err)).
				WithHint("check the path, or pipe the key on standard input")
		}
		defer fh.Close()
		if fi, err := fh.Stat(); err == nil && fi.Mode().Perm()&0o004 != 0 {
			f.Warn("key file %s is readable by other users; run: chmod 600 %s", keyFile, keyFile)
		}
		r = fh
	} else if f.IO.InTTY {
		fmt.Fprint(f.IO.ErrOut, "keyward: paste the key, then press Enter: ")
	}
	line, err := bufio.NewReaderSize(io.LimitReader(r, 64<<10), 4096).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", keys.Errorf(keys.EINTERNAL, "io_error", "cannot read the key: %s", err)
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return "", keys.Errorf(keys.EINVALID, "no_key", "no key on standard input").
			WithHint("pipe it in (keyward verify < key.txt) or use --key-file FILE")
	}
	return line, nil
}

func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// keyObject is a key's JSON object, with extra fields added by fn.
func keyObject(buf []byte, k *keys.Key, fn func(*output.JSON)) []byte {
	j := output.NewObject(buf).Key(k)
	if fn != nil {
		fn(j)
	}
	return j.Bytes()
}

// recordTable renders one key as labelled lines.
func (f *Factory) recordTable(k *keys.Key, extra ...[2]string) *output.Table {
	now, tty := f.now(), f.IO.OutTTY
	t := output.NewTable()
	for _, e := range extra {
		t.Row(e[0], e[1])
	}
	t.Row("ALIAS", k.Alias)
	t.Row("ID", k.ID)
	t.Row("NAME", k.Name)
	if k.Description != "" {
		t.Row("DESCRIPTION", strings.ReplaceAll(strings.ReplaceAll(k.Description, "\n", " / "), "\t", " "))
	}
	t.Row("OWNER", dash(k.Owner))
	t.Row("ROLES", dash(strings.Join(k.Roles, ",")))
	t.Row("SCOPES", strings.Join(k.Scopes, ","))
	t.Row("STATUS", string(k.Status))
	t.Row("CREATED", output.When(&k.CreatedAt, now, tty))
	t.Row("UPDATED", output.When(&k.UpdatedAt, now, tty))
	t.Row("EXPIRES", output.When(&k.ExpiresAt, now, tty))
	t.Row("LAST USED", output.When(k.LastUsedAt, now, tty))
	if k.RevokedAt != nil {
		t.Row("REVOKED", output.When(k.RevokedAt, now, tty))
		if k.RevokeReason != "" {
			t.Row("REASON", k.RevokeReason)
		}
	}
	t.Row("TTL", keys.FormatDuration(k.TTL))
	t.Row("TOKEN TTL", keys.FormatDuration(k.TokenTTL))
	t.Row("MASKED", k.Masked)
	return t
}

// keysTable renders several keys, one per row.
func (f *Factory) keysTable(ks []*keys.Key) *output.Table {
	now, tty := f.now(), f.IO.OutTTY
	t := output.NewTable("ALIAS", "ID", "STATUS", "EXPIRES")
	for _, k := range ks {
		t.Row(k.Alias, k.ID, string(k.Status), output.When(&k.ExpiresAt, now, tty))
	}
	return t
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// intFlag parses a non-negative integer flag kept as text, so that an
// overflowing or negative value is a clear usage error.
func intFlag(name, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, keys.Errorf(keys.EINVALID, "invalid_number", "--%s: %q is not a whole number between 0 and %d", name, clipArg(v), maxInt).
			WithHint("for example --%s 50", name)
	}
	return n, nil
}

const maxInt = int(^uint(0) >> 1)

func clipArg(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
