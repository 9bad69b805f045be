package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/keyward/keyward/internal/keys"
)

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
		// The database's rule: group or others may read it.
		if fi, err := fh.Stat(); err == nil && fi.Mode().IsRegular() && othersMayRead(fi) {
			f.Warn("key file %s is readable by other users (mode %04o); run: chmod 600 %s", keyFile, fi.Mode().Perm(), keyFile)
		}
		r = fh
	} else if f.IO.InTTY {
		const prompt = "keyward: paste the key, then press Enter (it is not shown): "
		if line, ok, err := f.readHidden(prompt); ok {
			return checkedLine(line, err)
		}
		fmt.Fprint(f.IO.ErrOut, prompt)
	}
	line, err := bufio.NewReaderSize(io.LimitReader(r, 64<<10), 4096).ReadString('\n')
	return checkedLine(line, err)
}

// checkedLine ends readCredential: an error, or the trimmed line.
func checkedLine(line string, err error) (string, error) {
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
