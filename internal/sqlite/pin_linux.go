package sqlite

import (
	"context"
	"errors"
	"os"
	"time"

	xunix "golang.org/x/sys/unix"
)

// SQLite's lock bytes (os_unix.c): a reader holds a read lock on the
// shared range; locking the whole file means a write lock on it.
const (
	pendingByte = 0x40000000
	sharedFirst = pendingByte + 2
	sharedSize  = 510
)

// pinShared takes a reader's lock on the database at path, on an open
// file description of its own (an OFD lock): closing SQLite's descriptors
// of the same file in this process does not release it, as it would a
// classic POSIX lock. It waits, like SQLite, while a process holds the
// whole file for a moment.
func pinShared(ctx context.Context, path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	lk := xunix.Flock_t{Type: xunix.F_RDLCK, Whence: 0, Start: sharedFirst, Len: sharedSize}
	deadline := time.Now().Add(busyTimeout)
	for {
		err := xunix.FcntlFlock(f.Fd(), xunix.F_OFD_SETLK, &lk)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, xunix.EAGAIN) && !errors.Is(err, xunix.EACCES) || time.Now().After(deadline) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
