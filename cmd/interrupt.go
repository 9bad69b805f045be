package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/keyward/keyward/internal/keys"
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
	io.restoreTerminal()
	if io.ErrTTY {
		// The cursor may still be after a prompt.
		fmt.Fprintln(io.ErrOut)
	}
	// The command's own Factory is busy; a fresh one reads -o from the
	// arguments.
	(&Factory{IO: io, args: args}).PrintError(keys.Errorf(keys.EINTERRUPTED, "interrupted", "interrupted while waiting for input"))
	return ExitInterrupted
}
