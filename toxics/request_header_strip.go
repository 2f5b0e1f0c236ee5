package toxics

import (
	"strings"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// RequestHeaderStrip removes request header fields on their way to the
// server, and may put one back with another value: a proxy or WAF that
// passes only the headers it knows, or rewrites them. In MCP 2026-07-28
// every request carries Mcp-Method (and Mcp-Name for tools/call,
// resources/read, prompts/get), and the server refuses one whose headers
// do not match its body with 400 HeaderMismatch, so such a proxy breaks
// every request, not only sessions (field failure 41). It goes upstream;
// only the head changes.
type RequestHeaderStrip struct {
	Names string `json:"names" help:"comma list of request header names removed, e.g. Mcp-Method,Mcp-Name"`
	Set   string `json:"set" help:"one header line added in their place, e.g. 'Mcp-Method: tools/list' (a proxy that rewrites the header)"`
}

// NewState implements toxiproxy's StatefulToxic.
func (t *RequestHeaderStrip) NewState() interface{} { return newRequestParser() }

// Pipe implements toxiproxy's Toxic.
func (t *RequestHeaderStrip) Pipe(stub *tptoxics.ToxicStub) {
	parser := stub.State.(*wireParser)
	names := commaList(t.Names)
	var add []string
	if set := strings.TrimSpace(t.Set); set != "" {
		add = append(add, set)
	}
	editHeads(stub, parser, func(m *message, raw []byte) []byte {
		if !m.request || (!hasAny(m, names) && len(add) == 0) {
			return nil
		}
		logAction(RequestHeaderStripType, "stripped %s%s from %s %s", strings.Join(names, ", "), setNote(add), m.method, m.target)
		return rewriteHead(raw, names, add...)
	})
}

func setNote(add []string) string {
	if len(add) == 0 {
		return ""
	}
	return " (and set " + add[0] + ")"
}

// RequestHeaderStripType names the toxic in toxiproxy's REST API, the CLI and profiles.
const RequestHeaderStripType ToxicType = "request_header_strip"

func init() { Register(RequestHeaderStripType, new(RequestHeaderStrip), ToxicInfo{Stream: Upstream}) }
