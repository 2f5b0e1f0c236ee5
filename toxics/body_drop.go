package toxics

import (
	"strconv"
	"strings"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// BodyDropShape is how a request body gets lost on its way to the origin.
type BodyDropShape string

const (
	// ShapeChunked re-frames the body as `Transfer-Encoding: chunked` with no
	// Content-Length, as cloudflared does when it turns an HTTP/2 request
	// into HTTP/1.1: an origin that reads only Content-Length sees 0 bytes,
	// the seed's "Received 0 bytes" (FIELD_NOTES 8). The bytes still arrive.
	ShapeChunked BodyDropShape = "chunked"
	// ShapeEmpty sends `Content-Length: 0` and drops the body (FIELD_NOTES
	// 7, cloudflared over QUIC).
	ShapeEmpty BodyDropShape = "empty"
	// ShapeCut forwards the head and `keep` body bytes, then closes the
	// connection to the origin mid-body.
	ShapeCut BodyDropShape = "cut"
)

// BodyDrop makes request bodies not reach the server, in the shapes tunnels
// produce. It goes upstream. Requests without a body, and those it does not
// target, pass untouched; later requests on the connection stay in frame.
type BodyDrop struct {
	Shape   string `json:"shape" help:"chunked (re-framed, no Content-Length), empty (Content-Length: 0, body dropped) or cut (closed mid-body)"`
	Methods string `json:"methods" help:"comma list of methods whose bodies are dropped (empty = all)"`
	Path    string `json:"path" help:"only requests whose target starts with this (empty = all)"`
	When    string `json:"when" help:"always (default) or chunked: only bodies sent without Content-Length (FIELD_NOTES 7)"`
	Keep    int64  `json:"keep" help:"shape cut: body bytes forwarded before the cut"`
}

type bodyDropMode uint8

const (
	bodyPass bodyDropMode = iota
	bodyRechunk
	bodyDrop
	bodyCut
)

type bodyDropState struct {
	parser *wireParser
	mode   bodyDropMode
	kept   int64
}

// NewState implements toxiproxy's StatefulToxic.
func (t *BodyDrop) NewState() interface{} {
	return &bodyDropState{parser: newRequestParser()}
}

// Pipe implements toxiproxy's Toxic.
func (t *BodyDrop) Pipe(stub *tptoxics.ToxicStub) {
	st := stub.State.(*bodyDropState)
	if stub.Closed() {
		drain(stub)
		return
	}
	for {
		select {
		case <-stub.Interrupt:
			return
		case c := <-stub.Input:
			if c == nil {
				stub.Close()
				return
			}
			var out []byte
			touched, cutNow := st.mode != bodyPass, false
			st.parser.feed(c.Data, func(p piece) {
				if cutNow {
					return
				}
				if p.kind == pieceHead {
					st.mode, st.kept = t.modeFor(p.msg), 0
				}
				if st.mode != bodyPass {
					touched = true
				}
				out, cutNow = st.piece(t, p, out)
			})
			if !touched {
				stub.Output <- c
				continue
			}
			send(stub, out)
			if cutNow {
				cut(stub)
				return
			}
		}
	}
}

// modeFor decides what happens to the body of the request with head m.
func (t *BodyDrop) modeFor(m *message) bodyDropMode {
	if !m.hasBody() || !methodSet(t.Methods).match(m.method) || !strings.HasPrefix(m.target, t.Path) {
		return bodyPass
	}
	if t.When == "chunked" && m.contentLength >= 0 {
		return bodyPass
	}
	switch BodyDropShape(t.Shape) {
	case ShapeChunked:
		if m.chunked {
			return bodyPass // already the shape
		}
		return bodyRechunk
	case ShapeEmpty:
		return bodyDrop
	case ShapeCut:
		return bodyCut
	}
	return bodyPass
}

// piece handles one piece in the current mode; it reports whether to cut.
func (st *bodyDropState) piece(t *BodyDrop, p piece, out []byte) ([]byte, bool) {
	switch st.mode {
	case bodyRechunk:
		switch p.kind {
		case pieceHead:
			return append(out, rewriteHead(p.raw, []string{"Content-Length"}, "Transfer-Encoding: chunked")...), false
		case pieceData:
			if len(p.raw) == 0 {
				return out, false
			}
			out = append(out, strconv.FormatInt(int64(len(p.raw)), 16)...)
			out = append(out, "\r\n"...)
			out = append(out, p.raw...)
			return append(out, "\r\n"...), false
		case pieceEnd:
			st.mode = bodyPass
			return append(out, "0\r\n\r\n"...), false
		}
	case bodyDrop:
		switch p.kind {
		case pieceHead:
			return append(out, rewriteHead(p.raw, []string{"Content-Length", "Transfer-Encoding"}, "Content-Length: 0")...), false
		case pieceData, pieceFraming:
			return out, false
		case pieceEnd:
			st.mode = bodyPass
			return out, false
		}
	case bodyCut:
		if p.kind == pieceData {
			n := t.Keep - st.kept
			if n > int64(len(p.raw)) {
				n = int64(len(p.raw))
			}
			if n < 0 {
				n = 0
			}
			st.kept += n
			out = append(out, p.raw[:n]...)
			return out, st.kept >= t.Keep
		}
		if p.kind == pieceEnd {
			st.mode = bodyPass
		}
	}
	return append(out, p.raw...), false
}

func init() { register(BodyDropType, new(BodyDrop)) }
