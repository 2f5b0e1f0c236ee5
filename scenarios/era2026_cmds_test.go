package scenarios

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/rogpeppe/go-internal/testscript"
)

// MCP 2026-07-28 requests (docs/mcp.md "Two protocol eras"): no session,
// the `_meta` triple in every request's params, and the Mcp-Protocol-Version,
// Mcp-Method and Mcp-Name headers the server checks against the body.

func init() {
	register(command{
		usage:   "call26 [-client C] [-via HOP] [-name S] [-async] [-timeout D] METHOD [PARAMS_JSON]",
		summary: "POST a 2026-07-28 request to /mcp (no session; _meta, Mcp-Method, Mcp-Name from the body); waits for the response to end unless -async",
		run:     cmdCall26,
	})
	register(command{
		usage:   "listen26 [-client C] [-via HOP] [-name S] [NOTIFICATIONS_JSON]",
		summary: "open a 2026-07-28 subscriptions/listen POST stream in the background (default {\"toolsListChanged\":true})",
		run:     cmdListen26,
	})
}

// statelessMeta is the `_meta` triple of SEP-2575 a scenario client sends.
var statelessMeta = map[string]any{
	"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
	"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "mcpvcr-scenario", "version": "0.1.0"},
	"io.modelcontextprotocol/clientCapabilities": map[string]any{},
}

// send26 sends a 2026-07-28 request with the headers a conforming client
// sets, and returns its stream.
func send26(w *world, p peer, name, method string, params map[string]any) (*stream, error) {
	c, base, err := p.resolve(w)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	if params == nil {
		params = map[string]any{}
	}
	meta := map[string]any{}
	if m, ok := params["_meta"].(map[string]any); ok {
		meta = m // the caller's (a progressToken) beside the triple
	}
	for k, v := range statelessMeta {
		meta[k] = v
	}
	params["_meta"] = meta
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	h := c.mcpHeaders(true, false, "")
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	h.Set("Mcp-Protocol-Version", "2026-07-28")
	h.Set("Mcp-Method", method)
	for _, k := range []string{"name", "uri"} {
		if v, ok := params[k].(string); ok {
			h.Set("Mcp-Name", v)
		}
	}
	return w.send(c, request{name: name, method: http.MethodPost, base: base, path: "/mcp", body: body, header: h, rpcMethod: method})
}

func cmdCall26(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("call26")
	peer := peerFlags(fs)
	name := fs.String("name", "", "stream name (default sN)")
	async := fs.Bool("async", false, "do not wait for the response to end")
	timeout := fs.String("timeout", "60s", "how long to wait for the response to end (scaled)")
	if err := parse(fs, args, 1, 2); err != nil {
		return err
	}
	method := fs.Arg(0)
	var params map[string]any
	if fs.NArg() == 2 {
		if err := json.Unmarshal([]byte(fs.Arg(1)), &params); err != nil {
			return fmt.Errorf("call26 %s: PARAMS_JSON %q: %v", method, fs.Arg(1), err)
		}
	}
	s, err := send26(w, peer, *name, method, params)
	if err != nil {
		return err
	}
	if *async {
		return nil
	}
	return awaitResponse(w, ts, "call26 "+method, s, *timeout)
}

func cmdListen26(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("listen26")
	peer := peerFlags(fs)
	name := fs.String("name", "", "stream name (default sN)")
	if err := parse(fs, args, 0, 1); err != nil {
		return err
	}
	notifications := map[string]any{"toolsListChanged": true}
	if fs.NArg() == 1 {
		if err := json.Unmarshal([]byte(fs.Arg(0)), &notifications); err != nil {
			return fmt.Errorf("listen26: NOTIFICATIONS_JSON %q: %v", fs.Arg(0), err)
		}
	}
	_, err := send26(w, peer, *name, "subscriptions/listen", map[string]any{"notifications": notifications})
	return err
}
