//go:build unix

package cmd

import "os"

// othersMayRead reports whether fi's mode lets its group or other users
// read it.
func othersMayRead(fi os.FileInfo) bool { return fi.Mode().Perm()&0o077 != 0 }

// everyoneMayWrite reports whether fi's mode lets every user write it.
func everyoneMayWrite(fi os.FileInfo) bool { return fi.Mode().Perm()&0o002 != 0 }
