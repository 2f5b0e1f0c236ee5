package toxics

import (
	"net/http"
	"strings"
	"time"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// SSEBuffer holds response bytes back, as buffering proxies do: until
// `bytes` are held, until `max_hold` ms passed, or until the response ends,
// whichever comes first. Quick Tunnels hold a GET SSE stream until it closes
// while POST streams flow (field failure 2: methods=GET,
// content_type=text/event-stream); nginx holds up to its buffer size unless
// the response says `X-Accel-Buffering: no` (field failure 4). Responses it
// does not target pass untouched; a response after a held one waits behind
// it, as on the wire.
type SSEBuffer struct {
	Bytes        int64     `json:"bytes" help:"release the held bytes once this many are held (0 = no size limit)"`
	MaxHold      int64     `json:"max_hold" help:"ms; release bytes held this long (0 = hold until the response ends)"`
	Methods      string    `json:"methods" help:"comma list of request methods whose responses are held, e.g. GET (empty = all; needs request_log upstream)"`
	ContentType  string    `json:"content_type" help:"hold only responses whose media type starts with this, e.g. text/event-stream (empty = all)"`
	UnlessHeader string    `json:"unless_header" help:"do not hold responses carrying this 'Name: value', e.g. 'X-Accel-Buffering: no'"`
	PassHead     looseBool `json:"pass_head" help:"pass each held response's head on at once and hold only its body (nginx behind an HTTP/2 front)"`
	DropOnCut    looseBool `json:"drop_on_cut" help:"when the connection ends mid-response, pass on the held head only and drop the held body bytes (nginx on a read timeout)"`
}

// NewState implements toxiproxy's StatefulToxic.
func (t *SSEBuffer) NewState() interface{} { return newHoldState() }

// Pipe implements toxiproxy's Toxic.
func (t *SSEBuffer) Pipe(stub *tptoxics.ToxicStub) {
	runHolder(stub, stub.State.(*holdState), holdPolicy{
		toxic:     SSEBufferType,
		start:     t.start,
		releaseAt: t.Bytes,
		maxHold:   time.Duration(t.MaxHold) * time.Millisecond,
		dropOnCut: bool(t.DropOnCut),
		passHead:  bool(t.PassHead),
	})
}

func (t *SSEBuffer) start(m *message) bool {
	if !methodSet(t.Methods).match(m.requestMethod) {
		return false
	}
	if t.ContentType != "" && !strings.HasPrefix(m.mediaType(), strings.ToLower(t.ContentType)) {
		return false
	}
	if name, value, ok := strings.Cut(t.UnlessHeader, ":"); ok {
		for _, v := range m.header.Values(http.CanonicalHeaderKey(strings.TrimSpace(name))) {
			if strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(value)) {
				return false
			}
		}
	}
	return true
}

// SSEBufferType names the toxic in toxiproxy's REST API, the CLI and profiles.
const SSEBufferType ToxicType = "sse_buffer"

func init() {
	Register(SSEBufferType, new(SSEBuffer), ToxicInfo{Stream: Downstream, NeedsRequests: true})
}
