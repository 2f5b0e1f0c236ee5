package toxics

import (
	"github.com/Shopify/toxiproxy/v2/stream"
	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// RequestLog is the upstream half of the HTTP-aware toxics: it forwards the
// client's bytes untouched and logs each request head (method, target) and
// the time of the last client byte in the connection's exchangeLog, which
// the response toxics on the downstream side read (see exchange_log.go for
// how the two directions are paired). A tunnel adds it automatically,
// first, whenever a profile uses a response toxic; with the toxiproxy CLI
// add it yourself: `toxic add -t request_log --upstream PROXY`.
// It has no attributes.
type RequestLog struct{}

type requestLogState struct {
	log    *exchangeLog
	parser *wireParser
}

// NewState creates the connection's exchangeLog and publishes it for the
// downstream toxics started next in the same goroutine.
func (t *RequestLog) NewState() interface{} {
	s := &requestLogState{log: &exchangeLog{}, parser: newRequestParser()}
	publishExchange(s.log)
	return s
}

// Pipe implements toxiproxy's Toxic.
func (t *RequestLog) Pipe(stub *tptoxics.ToxicStub) {
	st := stub.State.(*requestLogState)
	ended := watch(stub, func(c *stream.StreamChunk) {
		st.log.touchUpstream(c.Timestamp)
		st.parser.feed(c.Data, func(p piece) {
			if p.kind == pieceHead {
				st.log.add(requestHead{method: p.msg.method, target: p.msg.target, header: p.msg.header})
			}
		})
	}, nil, nil)
	if ended {
		st.log.close()
		stub.Close()
	}
}

// Cleanup withdraws the log when the toxic is removed from a live
// connection, so no later connection can claim it.
func (t *RequestLog) Cleanup(stub *tptoxics.ToxicStub) {
	if st, ok := stub.State.(*requestLogState); ok {
		st.log.close()
	}
}

// RequestLogType names the toxic in toxiproxy's REST API, the CLI and profiles.
const RequestLogType ToxicType = "request_log"

func init() { Register(RequestLogType, new(RequestLog), ToxicInfo{Stream: Upstream}) }
