package harness

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// EndReason says how a response stream ended, as the side that observed it
// saw it.
type EndReason string

const (
	// EndServerEOF: the server finished the body (clean EOF).
	EndServerEOF EndReason = "server_eof"
	// EndReset: the connection broke mid-body (reset, unexpected EOF,
	// tunnel cut).
	EndReset EndReason = "reset"
	// EndClientCancel: the client went away or cancelled the request.
	EndClientCancel EndReason = "client_cancel"
	// EndUpstreamError: no response at all (connect refused, DNS, TLS).
	EndUpstreamError EndReason = "upstream_error"
	// EndRecorderClosed: the recorder shut down while the stream was open.
	EndRecorderClosed EndReason = "recorder_closed"
	// EndTimeout: the replayer gave up waiting for the stream.
	EndTimeout EndReason = "timeout"
)

// StreamEvent is one SSE event or comment on a stream's timeline.
type StreamEvent struct {
	// At is the offset from the stream's Opened.
	At      time.Duration `json:"-" yaml:"at"`
	ID      string        `json:"id,omitempty" yaml:"id,omitempty"`
	Event   string        `json:"event,omitempty" yaml:"event,omitempty"`
	Comment bool          `json:"comment,omitempty" yaml:"comment,omitempty"`
}

// Timeline is the client-side life of one HTTP exchange: when it was
// opened, when the headers and the first body byte came, each SSE event, and
// when and why it closed. The recorder stores one per interaction in the
// cassette; the replayer measures one per replayed interaction.
//
// Opened is an offset from the start of the session (recording or replay);
// every other offset is from Opened. A zero Headers or FirstByte with Seen*
// false means it never happened.
type Timeline struct {
	Interaction   int           `json:"interaction" yaml:"-"`
	Method        string        `json:"method" yaml:"-"`
	URL           string        `json:"url" yaml:"-"`
	Status        int           `json:"status,omitempty" yaml:"-"`
	ContentType   string        `json:"content_type,omitempty" yaml:"-"`
	Opened        time.Duration `json:"-" yaml:"start"`
	Headers       time.Duration `json:"-" yaml:"headers"`
	FirstByte     time.Duration `json:"-" yaml:"first_byte,omitempty"`
	SeenFirstByte bool          `json:"-" yaml:"-"`
	Events        []StreamEvent `json:"events,omitempty" yaml:"events,omitempty"`
	Closed        time.Duration `json:"-" yaml:"end"`
	Reason        EndReason     `json:"reason" yaml:"end_reason"`
	Err           string        `json:"error,omitempty" yaml:"error,omitempty"`
	Bytes         int64         `json:"bytes" yaml:"bytes"`
	// Elided is how many of Bytes the recorder forwarded but did not keep
	// (the body is their first RecorderOptions.MaxBody bytes).
	Elided int64 `json:"elided,omitempty" yaml:"elided,omitempty"`
	// Conn is the client's end of the connection that carried the
	// exchange (its local address), when known: exchanges with the same
	// Conn went one after another over one connection.
	Conn string `json:"conn,omitempty" yaml:"-"`
}

// Lived returns how long the stream was open.
func (t Timeline) Lived() time.Duration { return t.Closed }

// DataEvents returns the events that are not comments.
func (t Timeline) DataEvents() []StreamEvent {
	var out []StreamEvent
	for _, e := range t.Events {
		if !e.Comment {
			out = append(out, e)
		}
	}
	return out
}

// Comments returns how many SSE comments (keepalives) arrived.
func (t Timeline) Comments() int { return len(t.Events) - len(t.DataEvents()) }

// String renders the timeline on one line per step, for failure messages.
func (t Timeline) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s (opened at %s)\n", t.Interaction, t.Method, t.URL, ms(t.Opened))
	fmt.Fprintf(&b, "  +%s headers %d %s\n", ms(t.Headers), t.Status, t.ContentType)
	if t.SeenFirstByte {
		fmt.Fprintf(&b, "  +%s first byte\n", ms(t.FirstByte))
	}
	for _, e := range t.Events {
		switch {
		case e.Comment:
			fmt.Fprintf(&b, "  +%s comment\n", ms(e.At))
		default:
			fmt.Fprintf(&b, "  +%s event %q id=%q\n", ms(e.At), e.Event, e.ID)
		}
	}
	fmt.Fprintf(&b, "  +%s closed: %s %s\n", ms(t.Closed), t.Reason, t.Err)
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// MarshalJSON writes durations as milliseconds, the unit people read.
func (t Timeline) MarshalJSON() ([]byte, error) {
	type plain Timeline
	type event struct {
		AtMS float64 `json:"at_ms"`
		StreamEvent
	}
	evs := make([]event, len(t.Events))
	for i, e := range t.Events {
		evs[i] = event{AtMS: msf(e.At), StreamEvent: e}
	}
	out := struct {
		plain
		OpenedMS    float64  `json:"opened_ms"`
		HeadersMS   float64  `json:"headers_ms"`
		FirstByteMS *float64 `json:"first_byte_ms,omitempty"`
		ClosedMS    float64  `json:"closed_ms"`
		Events      []event  `json:"events,omitempty"`
	}{plain: plain(t), OpenedMS: msf(t.Opened), HeadersMS: msf(t.Headers), ClosedMS: msf(t.Closed), Events: evs}
	if t.SeenFirstByte {
		v := msf(t.FirstByte)
		out.FirstByteMS = &v
	}
	return json.Marshal(out)
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// DumpTimelines writes timelines as indented JSON.
func DumpTimelines(w io.Writer, ts []Timeline) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ts)
}

// StreamExpectation checks one timeline. Build it with ExpectStream, chain
// conditions, then call Check (or Assert in a test):
//
//	harness.ExpectStream(tl).LivedAtLeast(3 * idleCut).Check()
//	harness.ExpectStream(tl).ClosedBy(harness.EndServerEOF).AfterEvents(2).Within(200 * time.Millisecond).Check()
type StreamExpectation struct {
	tl   Timeline
	errs []string
}

// ExpectStream starts an expectation about tl.
func ExpectStream(tl Timeline) *StreamExpectation { return &StreamExpectation{tl: tl} }

func (x *StreamExpectation) failf(format string, args ...any) *StreamExpectation {
	x.errs = append(x.errs, fmt.Sprintf(format, args...))
	return x
}

// LivedAtLeast requires the stream to have stayed open at least d.
func (x *StreamExpectation) LivedAtLeast(d time.Duration) *StreamExpectation {
	if x.tl.Lived() < d {
		return x.failf("lived %s, want >= %s", ms(x.tl.Lived()), ms(d))
	}
	return x
}

// Within requires the stream to have closed in less than d after opening.
func (x *StreamExpectation) Within(d time.Duration) *StreamExpectation {
	if x.tl.Lived() >= d {
		return x.failf("lived %s, want < %s", ms(x.tl.Lived()), ms(d))
	}
	return x
}

// ClosedBy requires the stream to have ended for reason r.
func (x *StreamExpectation) ClosedBy(r EndReason) *StreamExpectation {
	if x.tl.Reason != r {
		return x.failf("closed by %s, want %s", x.tl.Reason, r)
	}
	return x
}

// AfterEvents requires exactly n data events (comments not counted).
func (x *StreamExpectation) AfterEvents(n int) *StreamExpectation {
	if got := len(x.tl.DataEvents()); got != n {
		return x.failf("events = %d, want %d", got, n)
	}
	return x
}

// AtLeastComments requires at least n SSE comments (keepalives).
func (x *StreamExpectation) AtLeastComments(n int) *StreamExpectation {
	if got := x.tl.Comments(); got < n {
		return x.failf("comments = %d, want >= %d", got, n)
	}
	return x
}

// HeadersWithin requires the response headers within d of opening.
func (x *StreamExpectation) HeadersWithin(d time.Duration) *StreamExpectation {
	if x.tl.Status == 0 || x.tl.Headers >= d {
		return x.failf("headers at %s (status %d), want < %s", ms(x.tl.Headers), x.tl.Status, ms(d))
	}
	return x
}

// Check returns nil if every condition held, or an error listing the failed
// ones followed by the whole timeline.
func (x *StreamExpectation) Check() error {
	if len(x.errs) == 0 {
		return nil
	}
	return fmt.Errorf("stream expectation failed: %s\n%s", strings.Join(x.errs, "; "), x.tl)
}

// TB is the part of testing.TB the assertions use.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Assert fails the test if Check returns an error.
func (x *StreamExpectation) Assert(t TB) {
	t.Helper()
	if err := x.Check(); err != nil {
		t.Fatalf("%v", err)
	}
}
