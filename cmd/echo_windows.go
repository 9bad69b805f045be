package cmd

import (
	"os"

	"golang.org/x/sys/windows"
)

// echoOff turns echo off on the console in, keeping line input and
// Ctrl-C, and returns what turns it back on. It fails when in is not a
// console. The line read ends in "\r\n"; the caller trims it.
func echoOff(in *os.File) (restore func(), err error) {
	h := windows.Handle(in.Fd())
	var old uint32
	if err := windows.GetConsoleMode(h, &old); err != nil {
		return nil, err
	}
	quiet := old&^windows.ENABLE_ECHO_INPUT | windows.ENABLE_LINE_INPUT | windows.ENABLE_PROCESSED_INPUT
	if err := windows.SetConsoleMode(h, quiet); err != nil {
		return nil, err
	}
	return func() { windows.SetConsoleMode(h, old) }, nil
}
