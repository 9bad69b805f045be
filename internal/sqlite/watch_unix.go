//go:build unix

package sqlite

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// openWALHeader maps the start of the -shm file read-only, as SQLite
// itself does: reading the header is then a few memory loads, not a
// system call. The file is never truncated while a connection (the
// watcher's) has the database open.
func openWALHeader(path string) (walHeaderReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close() // the mapping outlives the descriptor
	if fi, err := f.Stat(); err != nil || fi.Size() < walHeaderSize {
		return nil, fmt.Errorf("%s: no wal-index header", path)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, walHeaderSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	return mappedHeader(b), nil
}

type mappedHeader []byte

// read copies the header word by word with atomic loads: another process
// may be rewriting it, and a torn copy only looks like a change.
func (m mappedHeader) read(h *[walHeaderSize]byte) bool {
	for i := 0; i < walHeaderSize; i += 4 {
		binary.NativeEndian.PutUint32(h[i:], atomic.LoadUint32((*uint32)(unsafe.Pointer(&m[i]))))
	}
	return true
}

func (m mappedHeader) close() error { return syscall.Munmap(m) }
