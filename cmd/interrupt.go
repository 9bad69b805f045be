package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/keyward/keyward/internal/keys"
	"github.com/keyward/keyward/internal/output"
)

// interruptGrace is how long a command has, after SIGINT or SIGTERM, to
// roll back and report it itself. A command still running after that is
// blocked where no context reaches: reading a terminal, a pipe or a FIFO
// that nobody writes, opening a FIFO nobody opens for writing.
const interruptGrace = 2 * time.Second

// runInterruptible runs run, and returns exit 130 with an error line when
// a signal cancelled ctx and run did not end within interruptGrace: Ctrl-C
// and timeout(1) stop keyward wherever it waits.
func runInterruptible(ctx context.Context, args []string, io *IO, run func() int) int {
	done := make(chan int, 1)
	go func() { done <- run() }()
	select {
	case code := <-done:
		return code
	case <-ctx.Done():
	}
	select {
	case code := <-done:
		return code
	case <-time.After(interruptGrace):
	}
	e := keys.Errorf(keys.EINTERRUPTED, "interrupted", "interrupted while waiting for input")
	if guessJSON(args, io.Env) {
		j := output.NewObject(nil).Object("error", func(o *output.JSON) {
			o.String("code", e.Reason).String("message", e.Message)
		})
		io.ErrOut.Write(append(j.Bytes(), '\n'))
	} else {
		if io.ErrTTY {
			// The cursor may still be after a prompt.
			fmt.Fprintln(io.ErrOut)
		}
		fmt.Fprintf(io.ErrOut, "keyward: error: %s\n", e.Message)
	}
	return ExitInterrupted
}
