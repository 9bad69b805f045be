package serve

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logFlushEvery bounds how long an access-log line waits in the buffer.
const logFlushEvery = 100 * time.Millisecond

// LogWriter buffers the access log of a busy server: one write(2) per
// request would cost as much as the verification itself. A line written
// after a quiet spell (the start-up line, a lone request) goes out at
// once; under load, lines go out whole within 100 ms, and on Close.
type LogWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	last time.Time // of the last flush
	stop chan struct{}
	done chan struct{}
}

// NewLogWriter starts buffering writes to w.
func NewLogWriter(w io.Writer) *LogWriter {
	l := &LogWriter{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go l.flushLoop()
	return l
}

// Write buffers p, which slog hands over as one whole line.
func (l *LogWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w.Available() < len(p) {
		l.w.Flush()
	}
	n, err := l.w.Write(p)
	if now := time.Now(); now.Sub(l.last) >= logFlushEvery {
		l.last = now
		l.w.Flush()
	}
	return n, err
}

func (l *LogWriter) flushLoop() {
	defer close(l.done)
	t := time.NewTicker(logFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.Flush()
		}
	}
}

// Flush writes what is buffered.
func (l *LogWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last = time.Now()
	return l.w.Flush()
}

// Close stops the flushing and writes what is left.
func (l *LogWriter) Close() error {
	close(l.stop)
	<-l.done
	return l.Flush()
}
