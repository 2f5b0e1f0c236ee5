package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// MarkerLog collects markers from any source and lets tests wait for them.
// It is an io.Writer (give it to server.Config.LogOutput or a command's
// Stdout); it is safe for concurrent use.
type MarkerLog struct {
	mu      sync.Mutex
	markers []markers.Event
	partial []byte
	changed chan struct{}
}

// NewMarkerLog returns an empty log.
func NewMarkerLog() *MarkerLog { return &MarkerLog{changed: make(chan struct{})} }

// Add appends a marker.
func (l *MarkerLog) Add(m markers.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m.Seq = len(l.markers) + 1
	l.markers = append(l.markers, m)
	close(l.changed)
	l.changed = make(chan struct{})
}

// AddLine parses line and appends it if it is a marker.
func (l *MarkerLog) AddLine(line string) {
	if m, ok := markers.ParseLine(line); ok {
		l.Add(m)
	}
}

// Write parses complete lines from p; a trailing partial line waits for
// the next Write.
func (l *MarkerLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.partial = append(l.partial, p...)
	var lines []string
	for {
		i := strings.IndexByte(string(l.partial), '\n')
		if i < 0 {
			break
		}
		lines = append(lines, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	l.mu.Unlock()
	for _, line := range lines {
		l.AddLine(line)
	}
	return len(p), nil
}

// Capture subscribes to an in-process server logger (*server.Logger): every marker it logs
// is added as it happens, without parsing text.
func (l *MarkerLog) Capture(src markers.Source) {
	src.OnEvent(func(e markers.Event) {
		// Called under the logger's lock: Add only takes ours.
		e.Line = e.Text()
		l.Add(e)
	})
}

// ReadFrom reads lines from r until EOF (stdin, a pipe from `docker logs
// -f NAME`), adding every marker.
func (l *MarkerLog) ReadFrom(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var n int64
	for sc.Scan() {
		n += int64(len(sc.Bytes()) + 1)
		l.AddLine(sc.Text())
	}
	return n, sc.Err()
}

// Markers returns a snapshot of the markers so far.
func (l *MarkerLog) Markers() Markers {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(Markers(nil), l.markers...)
}

// Wait calls check with a snapshot each time a marker arrives until it
// returns nil; when ctx ends it returns check's last error.
func (l *MarkerLog) Wait(ctx context.Context, check func(Markers) error) error {
	for {
		l.mu.Lock()
		snapshot, changed := append(Markers(nil), l.markers...), l.changed
		l.mu.Unlock()
		err := check(snapshot)
		if err == nil {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up waiting: %v)", err, ctx.Err())
		}
	}
}

// Follow tails the file at path like `tail -F`: it reads what is there,
// then what is appended, until ctx ends. A file that does not exist yet is
// waited for. It polls every interval (0 means 50 ms).
func (l *MarkerLog) Follow(ctx context.Context, path string, interval time.Duration) error {
	if interval <= 0 {
		interval = 50 * time.Millisecond
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		if f == nil {
			var err error
			if f, err = os.Open(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("follow %s: %w", path, err)
			}
		}
		for f != nil {
			n, err := f.Read(buf)
			l.Write(buf[:n])
			if err == io.EOF || n == 0 {
				break
			}
			if err != nil {
				return fmt.Errorf("follow %s: %w", path, err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// FollowCommand runs a command (such as `docker logs -f NAME`) and adds the
// markers of its stdout and stderr until it exits or ctx ends. It returns
// once the command has started; wait on the returned channel for its end.
func (l *MarkerLog) FollowCommand(ctx context.Context, name string, args ...string) (<-chan error, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("follow command %s: %w", name, err)
	}
	cmd.Stderr = cmd.Stdout.(io.Writer)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("follow command %s: %w", name, err)
	}
	done := make(chan error, 1)
	go func() {
		l.ReadFrom(out)
		done <- cmd.Wait()
	}()
	return done, nil
}
