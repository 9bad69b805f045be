package serve

import (
	"errors"

	"golang.org/x/sys/windows"
)

// addrInUse reports whether err says another socket holds the address:
// Winsock's own code, not the syscall package's stand-in EADDRINUSE.
func addrInUse(err error) bool { return errors.Is(err, windows.WSAEADDRINUSE) }
