package harness

import (
	"net/http"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// hello builds an interaction: a JSON-RPC request and its JSON answer.
func helloInteraction(reqBody string, code int, respBody string) *Interaction {
	in := &Interaction{}
	in.Request = cassette.Request{Method: http.MethodPost, Body: reqBody, Headers: http.Header{"User-Agent": {"Go-http-client/1.1"}}}
	in.Response = cassette.Response{Code: code, Body: respBody, Headers: http.Header{"Content-Type": {"application/json"}}}
	return in
}

// TestProvenanceFromHello checks that the provenance names both sides and
// the protocol whether the session opened with initialize or, from a
// stateless server, with protocol 2026-07-28's server/discover, and that
// a discover the server answered without the client's version gives way
// to the initialize that follows.
func TestProvenanceFromHello(t *testing.T) {
	const (
		initialize    = `{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"clientInfo":{"name":"c","version":"1"},"protocolVersion":"2025-11-25","capabilities":{}}}`
		initialized   = `{"jsonrpc":"2.0","id":2,"result":{"protocolVersion":"2025-11-25","serverInfo":{"name":"s","version":"2"}}}`
		discover      = `{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`
		discovered    = `{"jsonrpc":"2.0","id":1,"result":{"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"2"}},"supportedVersions":["2026-07-28","2025-11-25"]}}`
		discoveredOld = `{"jsonrpc":"2.0","id":1,"result":{"_meta":{"io.modelcontextprotocol/serverInfo":{"name":"s","version":"2"}},"supportedVersions":["2025-11-25"]}}`
		refused       = `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`
	)
	for _, tc := range []struct {
		name                     string
		ins                      []*Interaction
		client, server, protocol string
	}{
		{"initialize", []*Interaction{helloInteraction(initialize, 200, initialized)}, "c/1", "s/2", "2025-11-25"},
		{"stateless discover", []*Interaction{helloInteraction(discover, 200, discovered)}, "c/1", "s/2", "2026-07-28"},
		{"discover without the version, then initialize", []*Interaction{helloInteraction(discover, 200, discoveredOld), helloInteraction(initialize, 200, initialized)}, "c/1", "s/2", "2025-11-25"},
		{"discover refused, then initialize", []*Interaction{helloInteraction(discover, 400, refused), helloInteraction(initialize, 200, initialized)}, "c/1", "s/2", "2025-11-25"},
		{"no hello", []*Interaction{helloInteraction(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, 200, `{}`)}, "Go-http-client/1.1", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewRecorder("http://127.0.0.1:1", nil)
			if err != nil {
				t.Fatal(err)
			}
			p := r.provenance(tc.ins, "http://127.0.0.1:2", "")
			if p.Client != tc.client || p.Server != tc.server || p.ProtocolVersion != tc.protocol {
				t.Errorf("client, server, protocol = %q, %q, %q; want %q, %q, %q", p.Client, p.Server, p.ProtocolVersion, tc.client, tc.server, tc.protocol)
			}
		})
	}
}
