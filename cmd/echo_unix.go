//go:build unix

package cmd

import (
	"os"

	"golang.org/x/sys/unix"
)

// echoOff turns echo off on the terminal in, keeping line editing and the
// keys that send signals, and returns what turns it back on. It fails when
// in is not a terminal.
//
// golang.org/x/term cannot do this: its ReadPassword turns echo off only
// once the prompt is on the screen, and MakeRaw also ends line editing
// and Ctrl-C.
func echoOff(in *os.File) (restore func(), err error) {
	fd := int(in.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return nil, err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(fd, ioctlSetTermios, old) }, nil
}
