// Package syncbuf is the buffer that several goroutines write while
// another reads it: a server's log that a test shows when it fails, a
// child process's stdout and stderr that an error message quotes.
//
//	var out syncbuf.Buffer
//	cmd.Stdout, cmd.Stderr = &out, &out
//	// ... while cmd runs:
//	fmt.Println(out.String())
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent use. The zero value is an
// empty buffer ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p (io.Writer).
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
