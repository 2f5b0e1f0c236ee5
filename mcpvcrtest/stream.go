package mcpvcrtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
)

// Stream is one HTTP exchange as the client saw it, read in the
// background as it arrives: status, headers, body and, for
// text/event-stream, each event and comment with its time, kept as a
// harness.Timeline so the harness's lifetime assertions
// (harness.ExpectStream) apply to it.
//
//	s := mcpvcrtest.OpenStream(req, nil)
//	defer s.Close()
//	s.Wait(10*time.Second, func(st *mcpvcrtest.StreamState) bool { return len(st.Events) >= 2 })
type Stream struct {
	cancel context.CancelFunc
	start  time.Time

	mu      sync.Mutex
	st      StreamState
	reader  *harness.StreamReader
	conn    net.Conn
	changed chan struct{}
}

// StreamState is what the client of a stream has seen so far.
type StreamState struct {
	// Timeline is the stream's timeline. In a Wait condition an open
	// stream's Closed and Reason are zero; State fills them in.
	Timeline harness.Timeline
	// Header is the response's header, nil until it arrives.
	Header http.Header
	// Body is every body byte so far.
	Body []byte
	// Events are the SSE data events and comments so far, in order.
	Events []harness.SSEEvent
	// Ended is true once the body has ended (or no response came).
	Ended bool
}

// DataEvents returns the events that are not comments.
func (st *StreamState) DataEvents() []harness.SSEEvent {
	var out []harness.SSEEvent
	for _, ev := range st.Events {
		if !ev.IsComment {
			out = append(out, ev)
		}
	}
	return out
}

// StreamOptions configures OpenStream. Nil means defaults.
type StreamOptions struct {
	// Interaction is the number in the stream's timeline.
	Interaction int
	// OnHeaders, if set, is called with the response once its headers
	// arrive, before its body is read.
	OnHeaders func(*http.Response)
	// OnEvent, if set, is called with each SSE event or comment as it
	// arrives, before any Wait sees it (under the stream's lock: it must
	// not call the stream's methods).
	OnEvent func(harness.SSEEvent)
	// NewTransport, if set, makes what sends the request (an HTTP/2
	// client, say), given the dial function through which the stream
	// keeps its connection, so Cut and Addrs still work; nil means a
	// fresh HTTP/1.1 http.Transport.
	NewTransport func(dial func(ctx context.Context, network, addr string) (net.Conn, error)) http.RoundTripper
}

// OpenStream sends req on a connection of its own, never reused (so Cut
// breaks exactly this stream), and reads the response in the background;
// it returns at once. The caller should call Close when finished.
func OpenStream(req *http.Request, opts *StreamOptions) *Stream {
	if opts == nil {
		opts = &StreamOptions{}
	}
	ctx, cancel := context.WithCancel(req.Context())
	req = req.WithContext(ctx)
	s := &Stream{cancel: cancel, changed: make(chan struct{})}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			s.mu.Lock()
			s.conn = conn
			s.mu.Unlock()
		}
		return conn, err
	}
	var tr http.RoundTripper = &http.Transport{DisableKeepAlives: true, DisableCompression: true, DialContext: dial}
	if opts.NewTransport != nil {
		tr = opts.NewTransport(dial)
	}
	s.reader = harness.NewStreamReader(harness.Timeline{Interaction: opts.Interaction, Method: req.Method, URL: req.URL.RequestURI()})
	s.st.Timeline = s.reader.Timeline()
	s.start = time.Now()
	go s.run(tr, req, opts)
	return s
}

// EndedStream returns a stream that has already ended with timeline tl (a
// replayed exchange), so the same assertions apply to it.
func EndedStream(tl harness.Timeline) *Stream {
	return &Stream{cancel: func() {}, st: StreamState{Timeline: tl, Ended: true}, changed: make(chan struct{})}
}

func (s *Stream) run(tr http.RoundTripper, req *http.Request, opts *StreamOptions) {
	if t, ok := tr.(interface{ CloseIdleConnections() }); ok {
		defer t.CloseIdleConnections()
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		s.end(harness.EndUpstreamError, err)
		return
	}
	defer resp.Body.Close()
	if opts.OnHeaders != nil {
		opts.OnHeaders(resp)
	}
	s.mu.Lock()
	s.reader.Headers(resp.StatusCode, resp.Header.Get("Content-Type"), time.Since(s.start))
	s.st.Header = resp.Header
	s.update()
	s.mu.Unlock()
	buf := make([]byte, 4096)
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			s.mu.Lock()
			evs := s.reader.Chunk(buf[:n], time.Since(s.start))
			s.st.Body = append(s.st.Body, buf[:n]...)
			s.st.Events = append(s.st.Events, evs...)
			if opts.OnEvent != nil {
				for _, ev := range evs {
					opts.OnEvent(ev)
				}
			}
			s.update()
			s.mu.Unlock()
		}
		if rerr != nil {
			switch {
			case errors.Is(rerr, io.EOF):
				s.end(harness.EndServerEOF, nil)
			case req.Context().Err() != nil:
				s.end(harness.EndClientCancel, nil)
			default:
				s.end(harness.EndReset, rerr)
			}
			return
		}
	}
}

// update publishes the reader's timeline and wakes every waiter; s.mu
// must be held.
func (s *Stream) update() {
	s.st.Timeline = s.reader.Timeline()
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Stream) end(r harness.EndReason, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reader.End(r, err, time.Since(s.start))
	s.st.Ended = true
	s.update()
}

// Wait waits until cond holds, checking it at each change of the stream
// under the stream's lock (cond must not keep st or call the stream's
// methods), for at most timeout; it reports whether cond held.
func (s *Stream) Wait(timeout time.Duration, cond func(st *StreamState) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok, ch := cond(&s.st), s.changed
		s.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.mu.Lock()
			defer s.mu.Unlock()
			return cond(&s.st)
		}
	}
}

// WaitEnded waits up to timeout for the body to end and reports whether it
// did.
func (s *Stream) WaitEnded(timeout time.Duration) bool {
	return s.Wait(timeout, func(st *StreamState) bool { return st.Ended })
}

// State returns a copy of what the client has seen so far; an open
// stream's Timeline.Closed is how long it has been open, its Reason
// "open".
func (s *Stream) State() StreamState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.Timeline.Events = append([]harness.StreamEvent(nil), s.st.Timeline.Events...)
	st.Body = append([]byte(nil), s.st.Body...)
	st.Events = append([]harness.SSEEvent(nil), s.st.Events...)
	if !st.Ended {
		st.Timeline.Closed = time.Since(s.start)
		st.Timeline.Reason = "open"
	}
	return st
}

// Started returns when the request went out (zero for an EndedStream):
// the stream timeline's offsets are from it.
func (s *Stream) Started() time.Time { return s.start }

// Addrs returns the client's and the server's end of the stream's
// connection, "" before it was dialled (a report draws one lane per
// connection).
func (s *Stream) Addrs() (local, remote string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return "", ""
	}
	return s.conn.LocalAddr().String(), s.conn.RemoteAddr().String()
}

// Timeline returns the stream's timeline so far (State().Timeline).
func (s *Stream) Timeline() harness.Timeline { return s.State().Timeline }

// String describes the stream for a failure message: its timeline and,
// when short, its body.
func (s *Stream) String() string {
	st := s.State()
	var b strings.Builder
	b.WriteString(st.Timeline.String())
	if len(st.Body) > 0 && len(st.Body) < 600 {
		fmt.Fprintf(&b, "  body: %q\n", st.Body)
	}
	return b.String()
}

// Cut closes the stream's connection under it, as a reset in the path
// would: the client sees the body end with an error.
func (s *Stream) Cut() error {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn == nil {
		return errors.New("stream has no connection yet")
	}
	return conn.Close()
}

// Close cancels the request: the client goes away (the timeline ends
// client_cancel unless it had ended before).
func (s *Stream) Close() { s.cancel() }
