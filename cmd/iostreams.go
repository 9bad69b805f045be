package cmd

import (
	"io"
	"os"

	"github.com/keyward/keyward/internal/config"
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
