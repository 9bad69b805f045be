package cmd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
)

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
	asJSON := f.JSON
	if !f.ran {
		// The flags did not parse: read -o from the raw arguments.
		asJSON = guessJSON(f.args, f.IO.Env)
	}
	if asJSON {
		b, _ := output.Marshal(output.ErrorDoc{Error: output.ErrorBody{Code: ke.Reason, Message: message(ke), Hint: hint(ke)}})
		f.IO.ErrOut.Write(append(b, '\n'))
		return
	}
	fmt.Fprintf(f.IO.ErrOut, "keyward: error: %s\n", oneLine(message(ke)))
	if h := hint(ke); h != "" {
		fmt.Fprintf(f.IO.ErrOut, "keyward: hint: %s\n", oneLine(h))
	}
}

// oneLine keeps a message on one line whatever it quotes, and prints
// any other control character it quotes as an escape: a message can name
// what a database holds, and that may have been written by anyone.
func oneLine(s string) string {
	return output.Printable(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s))
}

// WriteJSON writes one JSON value and a newline to stdout.
func (f *Factory) WriteJSON(b []byte) error {
	_, err := f.IO.Out.Write(append(b, '\n'))
	return err
}

// PrintJSON writes v as one line of JSON to stdout.
func (f *Factory) PrintJSON(v any) error {
	b, err := output.Marshal(v)
	if err != nil {
		return err
	}
	return f.WriteJSON(b)
}

// printJSONArray writes items as one JSON array, each as doc makes it.
func printJSONArray[T any](f *Factory, items []T, doc func(T) any) error {
	a := NewArray(f.IO.Out)
	for _, it := range items {
		b, err := output.Marshal(doc(it))
		if err != nil {
			return err
		}
		if err := a.Add(b); err != nil {
			return err
		}
	}
	return a.Close()
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
