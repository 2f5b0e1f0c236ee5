package browserclient

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
)

// devtools speaks the Chrome DevTools Protocol over chromium's
// --remote-debugging-pipe: JSON messages ending in a NUL byte, commands on
// the browser's fd 3, answers and events on its fd 4. No websocket, no
// driver binary.
type devtools struct {
	w      io.WriteCloser
	mu     sync.Mutex
	nextID int
	wait   map[int]chan cdpMessage
	// onEvent sees every event (a message without an id).
	onEvent func(cdpMessage)
	closed  chan struct{}
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// newDevtools reads r until it ends; the caller passes the other ends of
// the two pipes to chromium as fds 3 and 4.
func newDevtools(w io.WriteCloser, r *os.File, onEvent func(cdpMessage)) *devtools {
	d := &devtools{w: w, wait: map[int]chan cdpMessage{}, onEvent: onEvent, closed: make(chan struct{})}
	go func() {
		defer close(d.closed)
		br := bufio.NewReader(r)
		for {
			raw, err := br.ReadBytes(0)
			if err != nil {
				return
			}
			var m cdpMessage
			if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
				continue
			}
			if m.ID == 0 {
				if d.onEvent != nil {
					d.onEvent(m)
				}
				continue
			}
			d.mu.Lock()
			c := d.wait[m.ID]
			delete(d.wait, m.ID)
			d.mu.Unlock()
			if c != nil {
				c <- m
			}
		}
	}()
	return d
}

// call sends one command (to a page when session is set) and waits for its
// answer, the context's end or the browser's.
func (d *devtools) call(ctx context.Context, session, method string, params any, result any) error {
	d.mu.Lock()
	d.nextID++
	id := d.nextID
	c := make(chan cdpMessage, 1)
	d.wait[id] = c
	d.mu.Unlock()
	msg, err := json.Marshal(map[string]any{"id": id, "sessionId": session, "method": method, "params": params})
	if err != nil {
		return err
	}
	if session == "" {
		msg, _ = json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	}
	if _, err := d.w.Write(append(msg, 0)); err != nil {
		return fmt.Errorf("devtools %s: %w", method, err)
	}
	select {
	case m := <-c:
		if m.Error != nil {
			return fmt.Errorf("devtools %s: %s", method, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("devtools %s: %w", method, ctx.Err())
	case <-d.closed:
		return fmt.Errorf("devtools %s: the browser went away", method)
	}
}
