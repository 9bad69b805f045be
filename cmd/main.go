// Package cmd is keyward's command line: flags, arguments and output.
// What a key may be is decided in internal/keys; how it is kept, in
// internal/sqlite.
package cmd

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/keyward/keyward/internal/keys"
)

// Exit codes, a documented contract.
const (
	ExitOK          = 0
	ExitInternal    = 1
	ExitUsage       = 2
	ExitNotFound    = 3
	ExitConflict    = 4
	ExitRejected    = 5
	ExitInterrupted = 130
)

// Main runs keyward with args and returns its exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	io := SystemIO()
	return runInterruptible(ctx, args, io, func() int { return Run(ctx, args, io) })
}

// Run runs keyward with the given streams; Main and tests share it.
func Run(ctx context.Context, args []string, io *IO) (code int) {
	f := &Factory{IO: io, Now: testClock, args: args}
	defer f.Close()
	// A bug must still end in one error line and exit 1, never a Go
	// stack on the operator's terminal.
	defer func() {
		if r := recover(); r != nil {
			f.PrintError(keys.Errorf(keys.EINTERNAL, "internal", "internal error: %v", r).
				WithHint("this is a bug in keyward; please report it with the output of: keyward version"))
			code = ExitInternal
		}
	}()
	// Before cobra sees them: its own errors quote arguments and flag
	// values, and no secret may be echoed or used.
	for _, a := range args {
		if keys.ContainsCredential(a) {
			err := keys.ErrSecretArgument()
			// The hint names the command's own way to read a key.
			for _, name := range args {
				if !strings.HasPrefix(name, "-") {
					err.With("command", name)
					break
				}
			}
			f.PrintError(err)
			return ExitCode(err)
		}
	}
	root := NewCmdRoot(f)
	root.SetArgs(args)
	// A command that returns nil finished its work: a signal that came
	// after its commit (while it printed a new key, say) must not report
	// failure, or a script throws away a key that exists. A signal during
	// the work cancels ctx, and the store reports EINTERRUPTED.
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, errSilent) {
		return ExitRejected
	}
	if !f.ran {
		// Cobra's own complaints (unknown flag or command, bad flag
		// value) come before any command ran: usage errors.
		var ke *keys.Error
		if !errors.As(err, &ke) {
			err = usageError(root, args, err)
		}
	}
	f.PrintError(err)
	return ExitCode(err)
}

// ExitCode maps an error to the documented exit status.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	switch keys.ErrorCode(err) {
	case keys.EINVALID:
		return ExitUsage
	case keys.ENOTFOUND:
		return ExitNotFound
	case keys.ECONFLICT:
		return ExitConflict
	case keys.EREJECTED:
		return ExitRejected
	case keys.EINTERRUPTED:
		return ExitInterrupted
	}
	return ExitInternal
}

// errSilent ends a command with exit 5 after it printed its own answer
// (verify of a credential that is not valid).
var errSilent = errors.New("silent rejection")
