package toxics

import (
	"strings"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// HeaderStrip removes header fields from responses: nginx removes
// X-Accel-Buffering (it is an instruction to nginx, not to the client), and
// an edge or gateway that drops the CORS fields hides Mcp-Session-Id from a
// browser (field failure 35). Only the head changes.
type HeaderStrip struct {
	Names   string `json:"names" help:"comma list of header names removed from responses, e.g. X-Accel-Buffering"`
	Methods string `json:"methods" help:"comma list of request methods whose responses are changed (empty = all; needs request_log upstream)"`
}

// NewState implements toxiproxy's StatefulToxic.
func (t *HeaderStrip) NewState() interface{} { return newResponseSide() }

// Pipe implements toxiproxy's Toxic.
func (t *HeaderStrip) Pipe(stub *tptoxics.ToxicStub) {
	resp := stub.State.(*responseSide)
	names := commaList(t.Names)
	editHeads(stub, resp.parser, func(m *message, raw []byte) []byte {
		if m.request || !methodSet(t.Methods).match(m.requestMethod) || !hasAny(m, names) {
			return nil
		}
		logAction(HeaderStripType, "stripped %s from %s", strings.Join(names, ", "), describeResponse(m))
		return rewriteHead(raw, names)
	})
}

func hasAny(m *message, names []string) bool {
	for _, n := range names {
		if len(m.header.Values(n)) > 0 {
			return true
		}
	}
	return false
}

// HeaderStripType names the toxic in toxiproxy's REST API, the CLI and profiles.
const HeaderStripType ToxicType = "header_strip"

func init() { Register(HeaderStripType, new(HeaderStrip), ToxicInfo{Stream: Downstream}) }
