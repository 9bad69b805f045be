package cmd

import (
	"io"
	"os"
	"sync/atomic"

	"github.com/keyward/keyward/internal/config"
	"golang.org/x/term"
)

// IO holds the streams a command reads and writes, whether each is a
// terminal, and the environment.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	InTTY  bool
	OutTTY bool
	ErrTTY bool
	// OutWidth is the terminal's width in columns when Out is one
	// (0: unknown).
	OutWidth int
	Env      config.Env

	restore atomic.Pointer[func()] // puts the terminal back after a signal
}

// setRestore sets what puts the terminal back (nil: nothing to do).
func (io *IO) setRestore(fn func()) {
	if fn == nil {
		io.restore.Store(nil)
		return
	}
	io.restore.Store(&fn)
}

// restoreTerminal undoes what a read in progress did to the terminal.
func (io *IO) restoreTerminal() {
	if fn := io.restore.Load(); fn != nil {
		(*fn)()
	}
}

// SystemIO is the process's own standard streams and environment.
func SystemIO() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY: isTerminal(os.Stdin), OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr),
		OutWidth: terminalWidth(os.Stdout),
		Env:      os.LookupEnv,
	}
}

// isTerminal asks the terminal driver: /dev/null is a character device
// too, and under systemd or cron it is stdin.
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// terminalWidth is f's width in columns, 0 when f is no terminal or does
// not say.
func terminalWidth(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}
