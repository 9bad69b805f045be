//go:build !linux

package sqlite

import (
	"context"
	"errors"
	"os"
)

// pinShared needs a lock of its own beside SQLite's (Linux's open file
// description locks); elsewhere a read-only database cannot be followed.
func pinShared(context.Context, string) (*os.File, error) {
	return nil, errors.New("following a database without write access needs Linux")
}
