package toxics

import (
	"bytes"
	"net/textproto"
	"strconv"
	"strings"
)

// toxiproxy moves bytes, not messages: a toxic sees a TCP stream cut into
// arbitrary chunks. The HTTP-aware toxics therefore run every chunk through a
// wireParser, which follows HTTP/1.1 framing (RFC 9112) across chunks and
// across the requests of a keep-alive connection or a pipeline, and splits the
// bytes into pieces a toxic can forward, hold, drop or rewrite:
//
//	chunk > wireParser > head | framing | data ... | end > toxic > output
//
// Every byte of the input lands in exactly one piece, in order, so a toxic
// that forwards every piece's raw bytes forwards the stream untouched.

// pieceKind says what a piece of the wire is.
type pieceKind uint8

const (
	// pieceHead is a complete start line plus header fields and the blank
	// line that ends them. It carries the parsed message.
	pieceHead pieceKind = iota
	// pieceFraming is transfer framing: chunk-size lines, the CRLF after
	// chunk data, trailer fields, stray CRLFs between messages.
	pieceFraming
	// pieceData is body payload (chunk data already separated from framing).
	pieceData
	// pieceEnd has no bytes: the message is complete.
	pieceEnd
	// pieceOpaque is bytes the parser does not understand (after an upgrade,
	// a CONNECT tunnel or a syntax error); they pass through unparsed.
	pieceOpaque
)

// piece is a run of wire bytes. raw aliases the parser's input or its head
// buffer: copy it before keeping it past the callback.
type piece struct {
	kind pieceKind
	raw  []byte
	msg  *message
}

// message is one parsed HTTP/1.1 request or response head and its framing.
type message struct {
	request bool
	// Requests.
	method, target string
	// Responses.
	status int
	// requestMethod is the method of the request this response answers, as
	// told by the connection's exchangeLog; "" when unknown.
	requestMethod string
	// requestTarget is that request's target; "" when unknown.
	requestTarget string
	proto         string
	header        textproto.MIMEHeader
	// contentLength is the Content-Length, or -1 without one.
	contentLength int64
	chunked       bool
	// bodiless is set when the framing rules say no body follows the head
	// (HEAD responses, 1xx, 204, 304, requests without length).
	bodiless bool
	// interim marks a 1xx response other than 101: another head follows for
	// the same request.
	interim bool
}

// mediaType is the Content-Type without parameters, lower case.
func (m *message) mediaType() string {
	ct := m.header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// hasBody reports whether body bytes follow the head.
func (m *message) hasBody() bool { return !m.bodiless && m.contentLength != 0 }

type wireState uint8

const (
	stHead wireState = iota
	stLength
	stChunkSize
	stChunkData
	stChunkDataEnd
	stTrailer
	stUntilClose
	stOpaque
)

// maxHeadBytes bounds a message head; a longer one is treated as opaque
// rather than buffered without limit.
const maxHeadBytes = 1 << 20

// wireParser follows one direction of one HTTP/1.1 connection.
type wireParser struct {
	requests bool
	// nextRequest is asked, for each final response, which request it
	// answers (method and target). It may be nil: then HEAD and CONNECT
	// responses cannot be recognised and every response is framed as an
	// answer to GET.
	nextRequest func() (method, target string)

	state     wireState
	head      []byte
	msg       *message
	remaining int64  // bytes left in a length body or a chunk
	line      []byte // the chunk-size line being read
	lineLen   int    // bytes on the current trailer line, CR excluded
}

func newRequestParser() *wireParser { return &wireParser{requests: true} }

func newResponseParser(next func() (method, target string)) *wireParser {
	return &wireParser{nextRequest: next}
}

// inMessage reports whether the parser is inside a message: a head has
// started arriving and the message has not ended (opaque bytes count too).
func (p *wireParser) inMessage() bool {
	return p.state != stHead || len(p.head) > 0
}

// trailer consumes trailer lines up to and including the empty line that
// ends them; it returns the bytes consumed and whether the end was reached.
func (p *wireParser) trailer(b []byte) (int, bool) {
	for i, c := range b {
		switch c {
		case '\r':
		case '\n':
			if p.lineLen == 0 {
				return i + 1, true
			}
			p.lineLen = 0
		default:
			p.lineLen++
		}
	}
	return len(b), false
}

// feed parses b and calls emit for each piece, in order.
func (p *wireParser) feed(b []byte, emit func(piece)) {
	for len(b) > 0 {
		switch p.state {
		case stOpaque:
			emit(piece{kind: pieceOpaque, raw: b})
			return
		case stHead:
			b = p.feedHead(b, emit)
		case stLength, stChunkData:
			n := int64(len(b))
			if n > p.remaining {
				n = p.remaining
			}
			emit(piece{kind: pieceData, raw: b[:n], msg: p.msg})
			b = b[n:]
			p.remaining -= n
			if p.remaining == 0 {
				if p.state == stLength {
					p.end(emit)
				} else {
					p.state = stChunkDataEnd
				}
			}
		case stChunkDataEnd:
			// The CRLF after chunk data (a bare LF is tolerated).
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				emit(piece{kind: pieceFraming, raw: b, msg: p.msg})
				return
			}
			emit(piece{kind: pieceFraming, raw: b[:i+1], msg: p.msg})
			b = b[i+1:]
			p.state = stChunkSize
		case stChunkSize:
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				if len(p.line)+len(b) > 4096 {
					p.fail(b, emit)
					return
				}
				p.line = append(p.line, b...)
				emit(piece{kind: pieceFraming, raw: b, msg: p.msg})
				return
			}
			p.line = append(p.line, b[:i]...)
			emit(piece{kind: pieceFraming, raw: b[:i+1], msg: p.msg})
			b = b[i+1:]
			size, ok := parseChunkSize(p.line)
			p.line = p.line[:0]
			switch {
			case !ok:
				p.fail(b, emit)
				return
			case size == 0:
				p.state, p.lineLen = stTrailer, 0
			default:
				p.state, p.remaining = stChunkData, size
			}
		case stTrailer:
			n, done := p.trailer(b)
			emit(piece{kind: pieceFraming, raw: b[:n], msg: p.msg})
			b = b[n:]
			if done {
				p.end(emit)
			}
		case stUntilClose:
			emit(piece{kind: pieceData, raw: b, msg: p.msg})
			return
		}
	}
}

// eof tells the parser the stream ended: a body delimited by the close of
// the connection ends here, and an incomplete head is passed on as it is.
func (p *wireParser) eof(emit func(piece)) {
	switch p.state {
	case stUntilClose:
		p.end(emit)
	case stHead:
		if len(p.head) > 0 {
			emit(piece{kind: pieceOpaque, raw: p.head})
			p.head = nil
		}
	}
}

// feedHead collects a head until its blank line and returns what follows.
func (p *wireParser) feedHead(b []byte, emit func(piece)) []byte {
	if len(p.head) == 0 {
		// Empty lines between messages (RFC 9112 2.2) are framing.
		i := 0
		for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
			i++
		}
		if i > 0 {
			emit(piece{kind: pieceFraming, raw: b[:i]})
			b = b[i:]
			if len(b) == 0 {
				return nil
			}
		}
	}
	var raw, rest []byte
	if len(p.head) == 0 {
		// The common case: the whole head is in this chunk; no copy.
		end := headEnd(b, 0)
		if end < 0 {
			p.head = append(p.head, b...)
			p.checkHeadSize(emit)
			return nil
		}
		raw, rest = b[:end:end], b[end:]
	} else {
		// The head started in an earlier chunk: append only up to its end.
		start := len(p.head) - 3
		if start < 0 {
			start = 0
		}
		n := len(p.head)
		look := b
		if len(look) > maxHeadBytes {
			look = look[:maxHeadBytes]
		}
		p.head = append(p.head, look...)
		end := headEnd(p.head, start)
		if end < 0 {
			p.head = append(p.head, b[len(look):]...)
			p.checkHeadSize(emit)
			return nil
		}
		raw, rest = p.head[:end:end], b[end-n:]
	}
	msg, ok := p.parseHead(raw)
	if !ok {
		p.head = nil
		emit(piece{kind: pieceOpaque, raw: raw})
		p.fail(rest, emit)
		return nil
	}
	p.head = nil
	p.msg = msg
	if !msg.request && msg.status >= 200 && p.nextRequest != nil {
		// Before the head is emitted: toxics decide on the head.
		msg.requestMethod, msg.requestTarget = p.nextRequest()
	}
	emit(piece{kind: pieceHead, raw: raw, msg: msg})
	p.frame(emit)
	return rest
}

// checkHeadSize gives up on a head that keeps growing without an end, or
// that cannot be HTTP: TLS, SSH or any other protocol through the tunnel
// passes as soon as its first bytes show it, instead of waiting for a blank
// line that never comes.
func (p *wireParser) checkHeadSize(emit func(piece)) {
	if len(p.head) > maxHeadBytes || !p.plausibleHead() {
		p.fail(nil, emit)
	}
}

// maxStartLine bounds a request or status line.
const maxStartLine = 8 << 10

// plausibleHead reports whether the incomplete head can still become an
// HTTP/1.x start line.
func (p *wireParser) plausibleHead() bool {
	h := p.head
	line := h
	if i := bytes.IndexByte(h, '\n'); i >= 0 {
		line = h[:i]
	} else if len(h) > maxStartLine {
		return false
	}
	if !p.requests {
		n := min(len(line), 5)
		return string(line[:n]) == "HTTP/"[:n]
	}
	method, _, _ := bytes.Cut(line, []byte(" "))
	return len(line) == 0 || validMethod(method, !bytes.Contains(line, []byte(" ")))
}

// validMethod reports whether m is (a prefix of, when partial) a method as
// real clients send them: 1 to 20 upper-case letters, '-' or '_'.
func validMethod(m []byte, partial bool) bool {
	if len(m) > 20 || len(m) == 0 && !partial {
		return false
	}
	for _, c := range m {
		if (c < 'A' || c > 'Z') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// abandon is for a toxic interrupted while the parser holds part of a head:
// the toxic may be removed now, and those bytes must not be lost. They are
// emitted as opaque, and the rest of the connection passes unparsed (a head
// cannot be parsed without its first part).
func (p *wireParser) abandon(emit func(piece)) {
	if len(p.head) > 0 {
		p.fail(nil, emit)
	}
}

// headEnd returns the index just past the blank line ending a head, or -1.
func headEnd(b []byte, from int) int {
	for i := from; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 2
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 3
		}
	}
	return -1
}

// parseHead parses a start line and header fields.
func (p *wireParser) parseHead(raw []byte) (*message, bool) {
	head := strings.TrimRight(string(raw), "\r\n") // one copy; fields slice it
	first, rest, _ := strings.Cut(head, "\n")
	first = strings.TrimRight(first, "\r")
	m := &message{request: p.requests, contentLength: -1}
	a, b, ok1 := strings.Cut(first, " ")
	b, c, ok2 := strings.Cut(b, " ")
	if p.requests {
		if !ok1 || !ok2 || !strings.HasPrefix(c, "HTTP/1.") || !validMethod([]byte(a), false) {
			return nil, false
		}
		m.method, m.target, m.proto = a, b, c
	} else {
		if !ok1 || !strings.HasPrefix(a, "HTTP/1.") {
			return nil, false
		}
		code, err := strconv.Atoi(b)
		if err != nil || code < 100 || code > 999 {
			return nil, false
		}
		m.proto, m.status = a, code
	}
	// One backing array for the values of fields seen once, the usual case.
	n := strings.Count(rest, "\n") + 1
	m.header = make(textproto.MIMEHeader, n)
	values := make([]string, 0, n)
	for rest != "" {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		l = strings.TrimRight(l, "\r")
		k, v, ok := strings.Cut(l, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, false
		}
		k, v = textproto.CanonicalMIMEHeaderKey(k), strings.TrimSpace(v)
		if old, dup := m.header[k]; dup {
			m.header[k] = append(old[:len(old):len(old)], v)
			continue
		}
		values = append(values, v)
		m.header[k] = values[len(values)-1 : len(values) : len(values)]
	}
	if te := m.header.Values("Transfer-Encoding"); len(te) > 0 {
		codings := strings.Split(te[len(te)-1], ",")
		m.chunked = strings.EqualFold(strings.TrimSpace(codings[len(codings)-1]), "chunked")
	}
	if cls := m.header.Values("Content-Length"); len(cls) > 0 && !m.chunked {
		n, ok := contentLength(cls)
		if !ok {
			return nil, false
		}
		m.contentLength = n
	}
	return m, true
}

// contentLength reads a message's Content-Length values strictly (RFC
// 9110 §8.6: 1*DIGIT; a repeated field, or a list, only if every value is
// the same). Anything looser (a sign, "5, 40", two different fields) is
// a message the toxics must not re-frame: what one hop reads as one body,
// the next may read as a body and a smuggled request. The parser then
// passes the stream through untouched, for the origin to refuse.
func contentLength(values []string) (int64, bool) {
	n := int64(-1)
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" || strings.TrimLeft(f, "0123456789") != "" {
				return 0, false
			}
			m, err := strconv.ParseInt(f, 10, 64)
			if err != nil || (n >= 0 && m != n) {
				return 0, false
			}
			n = m
		}
	}
	return n, n >= 0
}

// frame decides, after a head, how the body is delimited (RFC 9112 6.3).
func (p *wireParser) frame(emit func(piece)) {
	m := p.msg
	if !m.request {
		switch {
		case m.status == 101:
			emit(piece{kind: pieceEnd, msg: m})
			p.state = stOpaque // the connection now speaks another protocol
			return
		case m.status < 200:
			m.interim, m.bodiless = true, true
		default:
			switch {
			case m.requestMethod == "HEAD", m.status == 204, m.status == 304:
				m.bodiless = true
			case m.requestMethod == "CONNECT" && m.status < 300:
				emit(piece{kind: pieceEnd, msg: m})
				p.state = stOpaque
				return
			}
		}
	}
	switch {
	case m.bodiless:
		p.end(emit)
	case m.chunked:
		p.state = stChunkSize
	case m.contentLength > 0:
		p.state, p.remaining = stLength, m.contentLength
	case m.contentLength == 0 || m.request:
		// A request without Content-Length or chunking has no body.
		p.end(emit)
	default:
		p.state = stUntilClose
	}
}

func (p *wireParser) end(emit func(piece)) {
	emit(piece{kind: pieceEnd, msg: p.msg})
	p.state, p.msg = stHead, nil
}

// fail gives up on the stream: what is buffered and what follows pass
// through as opaque bytes.
func (p *wireParser) fail(rest []byte, emit func(piece)) {
	if len(p.head) > 0 {
		emit(piece{kind: pieceOpaque, raw: p.head})
		p.head = nil
	}
	p.state = stOpaque
	if len(rest) > 0 {
		emit(piece{kind: pieceOpaque, raw: rest})
	}
}

// parseChunkSize reads the hex size of a chunk-size line, ignoring
// extensions.
func parseChunkSize(line []byte) (int64, bool) {
	s := strings.TrimSpace(string(line))
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	n, err := strconv.ParseInt(s, 16, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
