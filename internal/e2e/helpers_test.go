package e2e

import (
	"os"
	"testing"
	"time"
)

// oldExpiry is the expires_at of bulk keys: long past, so that a renewed
// key is told from one that was not by this value alone.
const oldExpiry = 1000

// fullPipe returns a pipe whose buffer is already full: a process that
// writes to w blocks until r is read. filled bytes precede its output.
func fullPipe(t *testing.T) (r, w *os.File, filled int) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	w.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	for {
		n, err := w.Write(make([]byte, 4096))
		filled += n
		if err != nil {
			return r, w, filled
		}
	}
}
