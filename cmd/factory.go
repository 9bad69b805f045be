package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/config"
	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
	"github.com/keyward/keyward/internal/sqlite"
)

// IO holds the streams a command reads and writes, and whether each is a
// terminal.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	InTTY  bool
	OutTTY bool
	ErrTTY bool
	Env    config.Env
}

// SystemIO is the process's own standard streams and environment.
func SystemIO() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: isTerminal(os.Stdin), OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr),
		Env: os.LookupEnv,
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Factory gives commands what they share: streams, the configuration
// resolved by the root command, and the store, opened on first use.
type Factory struct {
	IO     *IO
	Config *config.Config
	Now    func() time.Time // nil: time.Now

	// JSON is whether errors are printed as JSON; known as soon as the
	// output flag is, even when the rest of the configuration is bad.
	JSON bool

	store *sqlite.Store
	ran   bool // a command's RunE started
}

// Store opens the database on first use.
func (f *Factory) Store(ctx context.Context) (keys.Store, error) {
	if f.store != nil {
		return f.store, nil
	}
	s, err := sqlite.Open(ctx, f.Config.DB, f.Config.Policy)
	if err != nil {
		return nil, err
	}
	if f.Now != nil {
		s.Now = f.Now
	}
	f.store = s
	f.warnIfReadable(f.Config.DB)
	return s, nil
}

// ExistingStore opens the database only if it exists. Commands that check
// credentials use it: a service pointed at a mistyped path must learn of
// it (exit 1), not get an empty new database that rejects every key.
func (f *Factory) ExistingStore(ctx context.Context) (keys.Store, error) {
	if f.store == nil {
		if _, err := os.Stat(f.Config.DB); errors.Is(err, os.ErrNotExist) {
			return nil, keys.Errorf(keys.EINTERNAL, "db_not_found", "no database at %s", f.Config.DB).
				WithHint("check --db or KEYWARD_DB; keyward creates the database on the first create")
		}
	}
	return f.Store(ctx)
}

// Close closes the store if it was opened.
func (f *Factory) Close() {
	if f.store != nil {
		f.store.Close()
	}
}

func (f *Factory) now() time.Time {
	if f.Now != nil {
		return f.Now().UTC()
	}
	return time.Now().UTC()
}

// warnIfReadable warns when the database can be read by other users.
func (f *Factory) warnIfReadable(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		f.Warn("database %s is readable by other users (mode %04o); run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
}

// Warn prints a "keyward: warning:" line; warnings stay text lines in
// JSON mode too.
func (f *Factory) Warn(format string, args ...any) {
	fmt.Fprintf(f.IO.ErrOut, "keyward: warning: %s\n", oneLine(fmt.Sprintf(format, args...)))
}

// Hint prints a "keyward: hint:" line in table mode only.
func (f *Factory) Hint(format string, args ...any) {
	if !f.JSON {
		fmt.Fprintf(f.IO.ErrOut, "keyward: hint: %s\n", oneLine(fmt.Sprintf(format, args...)))
	}
}

// PrintError prints err as "keyward: error:" and "keyward: hint:" lines,
// or as one JSON object with -o json.
func (f *Factory) PrintError(err error) {
	var ke *keys.Error
	if !errors.As(err, &ke) {
		ke = keys.Errorf(keys.EINTERNAL, "internal", "%s", err.Error())
	}
	if f.JSON {
		j := output.NewObject(nil).Object("error", func(e *output.JSON) {
			e.String("code", ke.Reason).String("message", message(ke))
			if h := hint(ke); h != "" {
				e.String("hint", h)
			}
		})
		f.IO.ErrOut.Write(append(j.Bytes(), '\n'))
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "keyward: error: %s\n", oneLine(message(ke)))
	if h := hint(ke); h != "" {
		fmt.Fprintf(f.IO.ErrOut, "keyward: hint: %s\n", oneLine(h))
	}
}

// oneLine keeps a message on one line whatever it quotes.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

// WriteJSON writes one JSON value and a newline to stdout.
func (f *Factory) WriteJSON(b []byte) error {
	_, err := f.IO.Out.Write(append(b, '\n'))
	return err
}

// Array writes a JSON array element by element, so that a long list is
// never held in memory.
type Array struct {
	w     io.Writer
	buf   []byte
	n     int
	flush int
}

// NewArray starts an array on w.
func NewArray(w io.Writer) *Array { return &Array{w: w, buf: make([]byte, 0, 64<<10), flush: 60 << 10} }

// Add appends one element.
func (a *Array) Add(elem []byte) error {
	if a.n == 0 {
		a.buf = append(a.buf, "[\n"...)
	} else {
		a.buf = append(a.buf, ",\n"...)
	}
	a.n++
	a.buf = append(a.buf, elem...)
	if len(a.buf) >= a.flush {
		return a.drain()
	}
	return nil
}

// Close ends the array: [] when it is empty.
func (a *Array) Close() error {
	if a.n == 0 {
		a.buf = append(a.buf, "[]\n"...)
	} else {
		a.buf = append(a.buf, "\n]\n"...)
	}
	return a.drain()
}

func (a *Array) drain() error {
	_, err := a.w.Write(a.buf)
	a.buf = a.buf[:0]
	return err
}
