package harness

import (
	"mime"
	"time"
)

// StreamReader builds a Timeline from a live response as its body
// arrives, one chunk at a time (mcpvcrtest's streams, the scenarios'
// clients), with the same Timeline.AddChunk and AddEvent the recorder and
// the replayer use:
//
//	NewStreamReader ──► Headers(status, type, at) ──► Chunk(b, at)... ──► End(reason, err, at)
//	                                        │ SSE events
//	                                        ▼
//	                                     Timeline
//
// It is not safe for concurrent use: the caller holds its own lock.
type StreamReader struct {
	tl     Timeline
	sse    bool
	parser SSEParser
}

// NewStreamReader starts the timeline tl (its Interaction, Method, URL and
// Opened set by the caller) of a request that has gone out.
func NewStreamReader(tl Timeline) *StreamReader { return &StreamReader{tl: tl} }

// Headers records the response's status and Content-Type, its headers
// having arrived at offset at.
func (r *StreamReader) Headers(status int, contentType string, at time.Duration) {
	r.tl.Status, r.tl.ContentType, r.tl.Headers = status, contentType, at
	mt, _, _ := mime.ParseMediaType(contentType)
	r.sse = mt == "text/event-stream"
}

// SSE reports whether the response is an event stream.
func (r *StreamReader) SSE() bool { return r.sse }

// Chunk records b, read at offset at: the first byte's time, the byte
// count and, on an event stream, each event or comment b completes, which
// it also returns.
func (r *StreamReader) Chunk(b []byte, at time.Duration) []SSEEvent {
	parser := &r.parser
	if !r.sse {
		parser = nil
	}
	return r.tl.AddChunk(b, at, parser)
}

// AddChunk records a body chunk read at offset at on the timeline: the
// first byte's time and the byte count, and, when parser is not nil (an
// event stream), each event or comment the chunk completes, which it also
// returns. The recorder, the replayer and StreamReader all build
// timelines with it and AddEvent.
func (tl *Timeline) AddChunk(b []byte, at time.Duration, parser *SSEParser) []SSEEvent {
	var evs []SSEEvent
	tl.addChunk(b, at, parser, func(ev SSEEvent) { evs = append(evs, ev) })
	return evs
}

// addChunk is AddChunk calling each (if not nil) with each event instead
// of returning a slice: the recorder, which needs only the timeline,
// allocates nothing per chunk for it.
func (tl *Timeline) addChunk(b []byte, at time.Duration, parser *SSEParser, each func(SSEEvent)) {
	if len(b) == 0 {
		return
	}
	if !tl.SeenFirstByte {
		tl.SeenFirstByte, tl.FirstByte = true, at
	}
	tl.Bytes += int64(len(b))
	if parser == nil {
		return
	}
	parser.each(b, func(ev SSEEvent) {
		tl.AddEvent(ev, at)
		if each != nil {
			each(ev)
		}
	})
}

// AddEvent puts one SSE event or comment, arrived at offset at, on the
// timeline.
func (tl *Timeline) AddEvent(ev SSEEvent, at time.Duration) {
	tl.Events = append(tl.Events, StreamEvent{At: at, ID: ev.ID, Event: ev.Event, Comment: ev.IsComment})
}

// End records that the body ended at offset at, for reason (err, if not
// nil, is kept as the timeline's Err).
func (r *StreamReader) End(reason EndReason, err error, at time.Duration) {
	r.tl.Closed, r.tl.Reason = at, reason
	if err != nil {
		r.tl.Err = err.Error()
	}
}

// Timeline returns a copy of the timeline so far.
func (r *StreamReader) Timeline() Timeline {
	tl := r.tl
	tl.Events = append([]StreamEvent(nil), r.tl.Events...)
	return tl
}
