package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/rogpeppe/go-internal/testscript"
)

// bearerTransport adds the client's access token to every request, as a
// client that has done OAuth already would.
type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

func init() {
	register(command{
		usage:     "connect [-client C] [-via HOP] [-timeout D] [-retries N] [-call TOOL [-args JSON]]",
		summary:   "connect go-sdk's own client with the client's token (initialize, initialized, listen stream, tools/list, then tools/call TOOL with -call); prints the outcome to stdout (! : it must fail)",
		negatable: true, run: cmdConnect,
	})
}

// cmdConnect runs go-sdk's own client (mcp.StreamableClientTransport, what
// Go hosts use) with the scripted client's token: initialize,
// notifications/initialized, its listen stream, tools/list. It prints
// what a real client reports to the script's stdout, so `stdout` can
// match it; with !, connecting must fail.
func cmdConnect(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("connect")
	peer := peerFlags(fs)
	timeout := fs.String("timeout", "30s", "how long connecting may take (scaled; at least 5 s)")
	call := fs.String("call", "", "then call this tool (arguments from -args) and print its outcome")
	callArgs := fs.String("args", "{}", "the tool's arguments (JSON)")
	retries := fs.Int("retries", -1, "the transport's MaxRetries: reconnects of a lost stream (-1: none)")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	c, base, err := peer.resolve(w)
	if err != nil {
		return err
	}
	d, err := w.waitTimeout(*timeout, false)
	if err != nil {
		return err
	}
	token, _, _ := c.get()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: bearerTransport{token: token, next: tr}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out := ts.Stdout()
	start := time.Now()
	cl := mcp.NewClient(&mcp.Implementation{Name: "mcpvcr-scenario-gosdk", Version: "0.1.0"}, nil)
	// 2025-11-25: the session flow (go-sdk v1.8.0 defaults to 2026-07-28).
	session, err := cl.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: hc, MaxRetries: *retries}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err == nil {
		defer session.Close()
		var tools *mcp.ListToolsResult
		if tools, err = session.ListTools(ctx, nil); err == nil {
			fmt.Fprintf(out, "connected in %s: %d tools\n", time.Since(start).Round(time.Millisecond), len(tools.Tools))
		}
		if err == nil && *call != "" {
			var res *mcp.CallToolResult
			if res, err = session.CallTool(ctx, &mcp.CallToolParams{Name: *call, Arguments: json.RawMessage(*callArgs)}); err == nil {
				fmt.Fprintf(out, "called %s in %s (isError=%v)\n", *call, time.Since(start).Round(time.Millisecond), res.IsError)
			}
		}
	}
	switch {
	case err != nil && neg:
		fmt.Fprintf(out, "connect failed: %v\n", err)
		return nil
	case err != nil:
		return fmt.Errorf("connect: %w", err)
	case neg:
		return fmt.Errorf("connect succeeded, want it to fail")
	}
	return nil
}
