package toxics

import (
	"strings"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// HeaderHold holds a response's head until its first body byte, as HTTP/2
// proxies (AWS ALB, Cloudflare) do: a Flush after WriteHeader sends no DATA
// frame, so a GET listen stream that writes nothing shows the client no
// headers at all until the proxy's timeout (field failures 5, 13). Bodiless
// responses are released when they end. Chunk-size lines are not body
// bytes: an empty flush does not release the head either.
type HeaderHold struct {
	Methods     string `json:"methods" help:"comma list of request methods whose responses are held (empty = all; needs request_log upstream)"`
	ContentType string `json:"content_type" help:"hold only responses whose media type starts with this (empty = all)"`
}

// NewState implements toxiproxy's StatefulToxic.
func (t *HeaderHold) NewState() interface{} { return newHoldState() }

// Pipe implements toxiproxy's Toxic.
func (t *HeaderHold) Pipe(stub *tptoxics.ToxicStub) {
	runHolder(stub, stub.State.(*holdState), holdPolicy{toxic: HeaderHoldType, start: t.start, untilFirstByte: true})
}

func (t *HeaderHold) start(m *message) bool {
	if !methodSet(t.Methods).match(m.requestMethod) {
		return false
	}
	return t.ContentType == "" || strings.HasPrefix(m.mediaType(), strings.ToLower(t.ContentType))
}

// HeaderHoldType names the toxic in toxiproxy's REST API, the CLI and profiles.
const HeaderHoldType ToxicType = "header_hold"

func init() {
	Register(HeaderHoldType, new(HeaderHold), ToxicInfo{Stream: Downstream, NeedsRequests: true})
}
