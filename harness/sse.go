package harness

import (
	"bytes"
	"io"
	"strings"
)

// SSEEvent is one server-sent event, or one comment line (IsComment), as
// seen on the wire. Comments are kept because keepalives (": ping") are what
// keeps a tunnel from cutting an idle stream, and a timeline needs them.
type SSEEvent struct {
	ID        string `json:"id,omitempty" yaml:"id,omitempty"`
	HasID     bool   `json:"-" yaml:"-"`
	Event     string `json:"event,omitempty" yaml:"event,omitempty"`
	Data      string `json:"data,omitempty" yaml:"data,omitempty"`
	Retry     string `json:"retry,omitempty" yaml:"retry,omitempty"`
	IsComment bool   `json:"comment,omitempty" yaml:"comment,omitempty"`
	Comment   string `json:"-" yaml:"-"`
}

// SSEParser turns bytes into events as they arrive, in any chunking: a line
// or an event may be split across Feed calls, and CR, LF and CRLF all end a
// line (WHATWG HTML "event stream interpretation"). The zero value is ready.
type SSEParser struct {
	line    []byte
	lastCR  bool
	cur     SSEEvent
	started bool
	data    []string
}

// Feed parses b and returns the events and comments completed by it.
func (p *SSEParser) Feed(b []byte) []SSEEvent {
	var out []SSEEvent
	p.each(b, func(ev SSEEvent) { out = append(out, ev) })
	return out
}

// each parses b and calls emit with each event or comment it completes,
// in order: Feed without a slice per chunk, for the recorder.
func (p *SSEParser) each(b []byte, emit func(SSEEvent)) {
	for len(b) > 0 {
		if p.lastCR {
			p.lastCR = false
			if b[0] == '\n' {
				b = b[1:] // the LF of a CRLF
				continue
			}
		}
		// A line ends at the first CR or LF: look for LF (the common
		// end), then for a CR before it.
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			i = len(b)
		}
		if j := bytes.IndexByte(b[:i], '\r'); j >= 0 {
			i = j
		}
		if i == len(b) {
			p.line = append(p.line, b...)
			break
		}
		p.line = append(p.line, b[:i]...)
		p.lastCR = b[i] == '\r'
		b = b[i+1:]
		p.endLine(emit)
	}
}

// endLine takes the line collected in p.line. It works on the bytes and
// makes a string of a field's value only (one allocation per field, none
// for the usual "event: message"): the recorder parses every chunk of
// every stream.
func (p *SSEParser) endLine(emit func(SSEEvent)) {
	line := p.line
	p.line = p.line[:0]
	if len(line) == 0 {
		if p.started {
			p.cur.Data = strings.Join(p.data, "\n")
			emit(p.cur)
		}
		// p.data's strings are immutable and the slice never leaves the
		// parser: reuse its array for the next event.
		clear(p.data)
		p.cur, p.started, p.data = SSEEvent{}, false, p.data[:0]
		return
	}
	if line[0] == ':' {
		emit(SSEEvent{IsComment: true, Comment: string(bytes.TrimPrefix(line[1:], []byte(" ")))})
		return
	}
	field, value, _ := bytes.Cut(line, []byte(":"))
	value = bytes.TrimPrefix(value, []byte(" "))
	switch string(field) {
	case "data":
		p.data = append(p.data, string(value))
	case "event":
		if string(value) == "message" {
			p.cur.Event = "message"
		} else {
			p.cur.Event = string(value)
		}
	case "id":
		p.cur.ID, p.cur.HasID = string(value), true
	case "retry":
		p.cur.Retry = string(value)
	default:
		return // unknown fields are ignored by the spec
	}
	p.started = true
}

// ParseSSE parses a whole recorded body. An event not terminated by a blank
// line is dropped, as a browser would.
func ParseSSE(body string) []SSEEvent {
	var p SSEParser
	return p.Feed([]byte(body))
}

// SSEReader reads events from a stream one at a time, returning each as soon
// as its terminating blank line has been read.
type SSEReader struct {
	r       io.Reader
	p       SSEParser
	pending []SSEEvent
	buf     []byte
	err     error
}

// NewSSEReader returns a reader of the event stream r.
func NewSSEReader(r io.Reader) *SSEReader {
	return &SSEReader{r: r, buf: make([]byte, 4096)}
}

// Next returns the next event or comment. At the end of the stream it
// returns io.EOF (or the read error that ended it).
func (s *SSEReader) Next() (SSEEvent, error) {
	for len(s.pending) == 0 {
		if s.err != nil {
			return SSEEvent{}, s.err
		}
		n, err := s.r.Read(s.buf)
		s.pending = append(s.pending, s.p.Feed(s.buf[:n])...)
		if err != nil {
			s.err = err
		}
	}
	e := s.pending[0]
	s.pending = s.pending[1:]
	return e, nil
}

// isSSE reports whether a Content-Type header names an event stream.
func isSSE(contentType string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "text/event-stream")
}

// rewriteSSEIDs returns body with every "id:" field value passed through f,
// leaving every other byte as it was.
func rewriteSSEIDs(body string, f func(string) string) string {
	if !strings.Contains(body, "id:") {
		return body
	}
	var b bytes.Buffer
	rest := body
	for rest != "" {
		i := strings.IndexAny(rest, "\r\n")
		line, sep := rest, ""
		if i >= 0 {
			line, rest = rest[:i], rest[i:]
			j := 1
			if strings.HasPrefix(rest, "\r\n") {
				j = 2
			}
			sep, rest = rest[:j], rest[j:]
		} else {
			rest = ""
		}
		if v, ok := strings.CutPrefix(line, "id:"); ok {
			space := strings.HasPrefix(v, " ")
			v = strings.TrimPrefix(v, " ")
			line = "id:"
			if space {
				line += " "
			}
			line += f(v)
		}
		b.WriteString(line)
		b.WriteString(sep)
	}
	return b.String()
}
