package toxics

import (
	"fmt"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// maxBufferedBody bounds what RequestBuffer holds; a longer body passes on
// chunked, as it arrived.
const maxBufferedBody = 8 << 20

// RequestBuffer reads a chunked request body whole and sends it on with a
// Content-Length, as nginx (proxy_request_buffering on, HTTP/1.0 to the
// upstream) and Apache's mod_proxy_http do. It goes upstream. The origin
// then sees the whole body at once, never chunked; requests with a length
// pass untouched.
type RequestBuffer struct{}

type requestBufferState struct {
	parser  *wireParser
	holding bool
	head    []byte // the held request's head
	raw     []byte // its body as it arrived (framing included)
	data    []byte // its payload
}

// NewState implements toxiproxy's StatefulToxic.
func (t *RequestBuffer) NewState() interface{} {
	return &requestBufferState{parser: newRequestParser()}
}

// Pipe implements toxiproxy's Toxic.
func (t *RequestBuffer) Pipe(stub *tptoxics.ToxicStub) {
	st := stub.State.(*requestBufferState)
	editPieces(stub, st.parser, st.release, st.piece)
}

// piece holds a chunked request until its end, then writes it re-framed.
// It never cuts.
func (st *requestBufferState) piece(p piece, o *chunkOut) bool {
	if p.kind == pieceHead && p.msg.request && p.msg.chunked {
		st.holding = true
		st.head = append(st.head[:0], p.raw...)
		return false
	}
	if !st.holding {
		o.pass(p.raw)
		return false
	}
	switch p.kind {
	case pieceEnd:
		o.write(rewriteHead(st.head, []string{"Transfer-Encoding", "Content-Length"},
			fmt.Sprintf("Content-Length: %d", len(st.data))))
		o.write(st.data)
		st.reset()
		return false
	case pieceData:
		st.data = append(st.data, p.raw...)
	}
	st.raw = append(st.raw, p.raw...)
	if len(st.data) > maxBufferedBody {
		o.write(st.release())
	}
	return false
}

// release returns what is held, as it arrived, and stops holding.
func (st *requestBufferState) release() []byte {
	if !st.holding {
		return nil
	}
	out := append(append([]byte(nil), st.head...), st.raw...)
	st.reset()
	return out
}

func (st *requestBufferState) reset() {
	st.holding = false
	st.head, st.raw, st.data = st.head[:0], st.raw[:0], st.data[:0]
}

// RequestBufferType names the toxic in toxiproxy's REST API, the CLI and profiles.
const RequestBufferType ToxicType = "request_buffer"

func init() { Register(RequestBufferType, new(RequestBuffer), ToxicInfo{Stream: Upstream}) }
