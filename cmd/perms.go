package cmd

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/keyward/keyward/internal/keys"
)

// warnIfWorldWritable warns when every user may write path (a directory
// without the sticky bit, or a file): what it holds could be swapped.
func (f *Factory) warnIfWorldWritable(path, what, risk string) {
	fi, err := os.Stat(path)
	if err != nil || !everyoneMayWrite(fi) || (fi.IsDir() && fi.Mode()&os.ModeSticky != 0) {
		return
	}
	f.Warn("%s %s is writable by every user (mode %04o): %s; run: chmod o-w %s", what, path, fi.Mode().Perm(), risk, path)
}

// warnIfKeyExposed warns when a new key goes to a standard output that is
// a file others can read (keyward create x -q > x.key under umask 022):
// a pipe, a terminal or a private file gets no warning.
func (f *Factory) warnIfKeyExposed() {
	out, ok := f.IO.Out.(*os.File)
	if !ok {
		return
	}
	fi, err := out.Stat()
	if err != nil || !fi.Mode().IsRegular() || !othersMayRead(fi) {
		return
	}
	name := "the file"
	if p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(out.Fd()))); err == nil {
		name = p
	}
	f.Warn("the new key went to %s, which other users can read (mode %04o); run: chmod 600 %s", name, fi.Mode().Perm(), name)
}

// readHidden prints prompt and reads a line from standard input without
// echo when it is a terminal: echo goes off before the prompt shows, so
// a key pasted at once never reaches the screen. ok is false when stdin
// is not a terminal (a test's reader): the caller reads it plainly. A
// signal while it waits restores the terminal before keyward exits.
func (f *Factory) readHidden(prompt string) (line string, ok bool, err error) {
	in, isFile := f.IO.In.(*os.File)
	if !isFile {
		return "", false, nil
	}
	restore, err := echoOff(in)
	if err != nil {
		return "", false, nil
	}
	f.IO.setRestore(restore)
	defer func() {
		restore()
		f.IO.setRestore(nil)
	}()
	fmt.Fprint(f.IO.ErrOut, prompt)
	line, err = bufio.NewReaderSize(io.LimitReader(in, 64<<10), 4096).ReadString('\n')
	fmt.Fprintln(f.IO.ErrOut)
	return line, true, err
}

// errOutput is the failure to write new secrets to standard output, before
// anything was committed.
func errOutput(what string, err error) error {
	return keys.Errorf(keys.EINTERNAL, "output_failed", "cannot write the new %s to standard output (%s); nothing was created", what, pathErr(err)).
		WithHint("check the disk or the pipe that standard output goes to, then run the command again").Wrap(err)
}

// errInterruptedBeforeCommit ends a command whose new secrets were
// written when a signal came, before the commit.
func errInterruptedBeforeCommit() error {
	return keys.Errorf(keys.EINTERRUPTED, "interrupted", "interrupted; nothing was created, and the key printed does not exist")
}
