package sqlite

import (
	"os"
	"syscall"
)

// oNoFollow is nothing on Windows, which has no such flag: createPrivate
// opens with O_EXCL, so a link already in its way makes it fail all the
// same, and resolveLinks has followed the links before.
const oNoFollow = 0

// access reports whether path may be written (mode 2) as far as Windows
// shows it without reading ACLs: a file with the read-only attribute may
// not. A directory's read-only attribute does not stop files being
// created in it, so a directory always passes.
func access(path string, mode uint32) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if mode&2 != 0 && !fi.IsDir() && fi.Mode().Perm()&0o200 == 0 {
		return syscall.ERROR_ACCESS_DENIED
	}
	return nil
}

// stamp identifies one state of a file: a checkpoint by another process
// changes its size or its last write time.
type stamp struct {
	size  int64
	mtime int64
	wal   bool
}

func stampOf(path string) (stamp, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}, false
	}
	_, werr := os.Stat(path + "-wal")
	return stamp{size: fi.Size(), mtime: fi.ModTime().UnixNano(), wal: werr == nil}, true
}
