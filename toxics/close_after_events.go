package toxics

import (
	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// CloseAfterEvents cuts the connection right after the N-th Server-Sent
// Event of a text/event-stream response, the shape of the seed's bug: a
// stream that closed after two events (priming + endpoint) before the
// client's request could use it. Events are blocks with at least one field;
// comment-only keepalives are not counted (see sse.go). Each targeted
// response counts from zero; other responses pass untouched.
type CloseAfterEvents struct {
	Events  int64  `json:"events" help:"cut after this many events of one response (0 = never)"`
	Methods string `json:"methods" help:"comma list of request methods whose streams are cut (empty = all; needs request_log upstream)"`
}

type closeAfterEventsState struct {
	resp     *responseSide
	targeted bool
	scanner  sseScanner
	seen     int64
}

// NewState implements toxiproxy's StatefulToxic.
func (t *CloseAfterEvents) NewState() interface{} {
	return &closeAfterEventsState{resp: newResponseSide()}
}

// Pipe implements toxiproxy's Toxic.
func (t *CloseAfterEvents) Pipe(stub *tptoxics.ToxicStub) {
	st := stub.State.(*closeAfterEventsState)
	editPieces(stub, st.resp.parser, nil, func(p piece, o *chunkOut) bool {
		switch {
		case p.kind == pieceHead && !p.msg.interim:
			st.targeted = t.Events > 0 && p.msg.mediaType() == "text/event-stream" &&
				methodSet(t.Methods).match(p.msg.requestMethod)
			st.scanner, st.seen = sseScanner{}, 0
		case p.kind == pieceData && st.targeted:
			end := -1
			st.scanner.feed(p.raw, func(at int) {
				st.seen++
				if st.seen == t.Events && end < 0 {
					end = at
				}
			})
			if end >= 0 {
				o.pass(p.raw[:end])
				logAction(CloseAfterEventsType, "closed the stream after %d events", st.seen)
				return true
			}
		}
		o.pass(p.raw)
		return false
	})
}

// CloseAfterEventsType names the toxic in toxiproxy's REST API, the CLI and profiles.
const CloseAfterEventsType ToxicType = "close_after_events"

func init() {
	Register(CloseAfterEventsType, new(CloseAfterEvents), ToxicInfo{Stream: Downstream, NeedsRequests: true})
}
