//go:build !unix

package sqlite

import (
	"fmt"
	"os"
)

// openWALHeader opens the -shm file to read its header with one pread
// each time.
func openWALHeader(path string) (walHeaderReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	var h [walHeaderSize]byte
	if n, _ := f.ReadAt(h[:], 0); n != walHeaderSize {
		f.Close()
		return nil, fmt.Errorf("%s: no wal-index header", path)
	}
	return fileHeader{f}, nil
}

type fileHeader struct{ f *os.File }

func (r fileHeader) read(h *[walHeaderSize]byte) bool {
	n, _ := r.f.ReadAt(h[:], 0)
	return n == walHeaderSize
}

func (r fileHeader) close() error { return r.f.Close() }
