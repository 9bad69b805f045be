//go:build unix

package sqlite

import (
	"os"
	"syscall"

	xunix "golang.org/x/sys/unix"
)

// oNoFollow makes createPrivate fail on a symbolic link put in its way.
const oNoFollow = syscall.O_NOFOLLOW

// access reports whether this process may use path as mode asks (2 write,
// 1 search), by its real user and group.
func access(path string, mode uint32) error { return syscall.Access(path, mode) }

// stamp identifies one state of a file: a checkpoint by another process
// changes it.
type stamp struct {
	ino, size  uint64
	mtim, ctim xunix.Timespec
	wal        bool
}

// stampOf reads path's stamp, through x/sys/unix, whose Stat_t names the
// times alike on every Unix (syscall's differs on macOS).
func stampOf(path string) (stamp, bool) {
	var st xunix.Stat_t
	if err := xunix.Stat(path, &st); err != nil {
		return stamp{}, false
	}
	_, werr := os.Stat(path + "-wal")
	return stamp{ino: st.Ino, size: uint64(st.Size), mtim: st.Mtim, ctim: st.Ctim, wal: werr == nil}, true
}
