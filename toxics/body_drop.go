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
	// the seed's "Received 0 bytes" (field failure 8). The bytes still arrive.
	ShapeChunked BodyDropShape = "chunked"
	// ShapeEmpty sends `Content-Length: 0` and drops the body (field failures
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
	When    string `json:"when" help:"always (default) or chunked: only bodies sent without Content-Length (field failure 7)"`
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
	editPieces(stub, st.parser, nil, func(p piece, o *chunkOut) bool {
		if p.kind == pieceHead {
			st.mode, st.kept = t.modeFor(p.msg), 0
			if st.mode != bodyPass {
				logAction(BodyDropType, "%s the body of %s %s", map[bodyDropMode]string{bodyRechunk: "re-framed (chunked)", bodyDrop: "dropped", bodyCut: "cut"}[st.mode], p.msg.method, p.msg.target)
			}
		}
		return st.piece(t, p, o)
	})
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
func (st *bodyDropState) piece(t *BodyDrop, p piece, o *chunkOut) bool {
	switch st.mode {
	case bodyRechunk:
		switch p.kind {
		case pieceHead:
			o.write(rewriteHead(p.raw, []string{"Content-Length"}, "Transfer-Encoding: chunked"))
			return false
		case pieceData:
			if len(p.raw) > 0 {
				o.write([]byte(strconv.FormatInt(int64(len(p.raw)), 16) + "\r\n"))
				o.write(p.raw)
				o.write([]byte("\r\n"))
			}
			return false
		case pieceEnd:
			st.mode = bodyPass
			o.write([]byte("0\r\n\r\n"))
			return false
		}
	case bodyDrop:
		switch p.kind {
		case pieceHead:
			o.write(rewriteHead(p.raw, []string{"Content-Length", "Transfer-Encoding"}, "Content-Length: 0"))
			return false
		case pieceData, pieceFraming:
			return false
		case pieceEnd:
			st.mode = bodyPass
			return false
		}
	case bodyCut:
		if p.kind == pieceData {
			n := min(max(t.Keep-st.kept, 0), int64(len(p.raw)))
			st.kept += n
			o.pass(p.raw[:n])
			return st.kept >= t.Keep
		}
		if p.kind == pieceEnd {
			st.mode = bodyPass
		}
	}
	o.pass(p.raw)
	return false
}

// BodyDropType names the toxic in toxiproxy's REST API, the CLI and profiles.
const BodyDropType ToxicType = "body_drop"

func init() { Register(BodyDropType, new(BodyDrop), ToxicInfo{Stream: Upstream}) }
