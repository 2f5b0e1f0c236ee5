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

type requestHeaderStripState struct{ parser *wireParser }

// NewState implements toxiproxy's StatefulToxic.
func (t *RequestHeaderStrip) NewState() interface{} {
	return &requestHeaderStripState{parser: newRequestParser()}
}

// Pipe implements toxiproxy's Toxic.
func (t *RequestHeaderStrip) Pipe(stub *tptoxics.ToxicStub) {
	st := stub.State.(*requestHeaderStripState)
	if stub.Closed() {
		drain(stub)
		return
	}
	var names []string
	for _, n := range strings.Split(t.Names, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	var add []string
	if set := strings.TrimSpace(t.Set); set != "" {
		add = append(add, set)
	}
	for {
		select {
		case <-stub.Interrupt:
			interrupted(stub, st.parser)
			return
		case c := <-stub.Input:
			if c == nil {
				ended(stub, st.parser)
				return
			}
			o := chunkOut{in: c.Data}
			st.parser.feed(c.Data, func(p piece) {
				if p.kind == pieceHead && p.msg.request && (hasAny(p.msg, names) || len(add) > 0) {
					logAction(RequestHeaderStripType, "stripped %s%s from %s %s", strings.Join(names, ", "), setNote(add), p.msg.method, p.msg.target)
					o.write(rewriteHead(p.raw, names, add...))
					return
				}
				o.pass(p.raw)
			})
			o.flush(stub, c)
		}
	}
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
