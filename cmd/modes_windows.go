package cmd

import "os"

// On Windows access is decided by ACLs, which a file mode does not show:
// Go reports 0666 or 0444 for every file and 0777 for every directory.
// keyward neither checks nor warns about who may read or write a file
// there.

func othersMayRead(os.FileInfo) bool { return false }

func everyoneMayWrite(os.FileInfo) bool { return false }
