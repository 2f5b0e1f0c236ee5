package fixtureclients

import (
	"context"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// GoSDK2026Name is the clientInfo the 2026-07-28 go-sdk session sends
// (no digits: the fixture scanner reads long names with digits as tokens).
const GoSDK2026Name = "mcpvcr-fixture-gosdk-stateless"

// GoSDK2026 runs go-sdk's client (v1.8.0) at its default protocol,
// 2026-07-28, against base + "/mcp": the same OAuth as GoSDK (401,
// metadata, dynamic client registration, PKCE S256), then no session and
// no initialize: server/discover, a subscriptions/listen stream (opened
// because the client handles tools/list_changed), tools/list, echo, slow
// with progress on the call's own stream, whoami, and the listen stream
// closed by the client at the end (2026-07-28 has no DELETE). Every
// request carries `_meta` and the Mcp-Method/Mcp-Name headers. It needs a
// server that auto-approves.
func GoSDK2026(ctx context.Context, base string) error {
	progress := make(chan float64, 8)
	opts := &mcp.ClientOptions{
		// A list-changed handler is what makes go-sdk open subscriptions/listen.
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			select {
			case progress <- req.Params.Progress:
			default:
			}
		},
	}
	cs, err := connectGoSDK(ctx, base, GoSDK2026Name, opts, &http.Client{}, nil)
	if err != nil {
		return err
	}
	defer cs.Close()
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		return fmt.Errorf("negotiated protocol %s, want 2026-07-28", v)
	}
	if _, err := cs.ListTools(ctx, nil); err != nil {
		return fmt.Errorf("tools/list: %w", err)
	}
	slow := &mcp.CallToolParams{Name: "slow", Arguments: map[string]any{"duration": "30ms", "steps": 2}}
	slow.SetProgressToken("fixture-progress")
	if err := callTools(ctx, cs, []*mcp.CallToolParams{
		{Name: "echo", Arguments: map[string]any{"text": "hello at 2026-07-28"}},
		slow,
		{Name: "whoami", Arguments: map[string]any{}},
	}); err != nil {
		return err
	}
	if err := awaitN(ctx, progress, 2, "progress notification", "on the call's stream"); err != nil {
		return err
	}
	if err := cs.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}
