// Package fixtureclients holds the clients `make fixtures` records through
// `mcpvcr record` (internal/recordfixtures): go-sdk's own client, and
// scripted HTTP clients that send exactly the requests, in exactly the
// order, that the project's notes describe (assembled fixtures). Each is a
// func(ctx, baseURL) error that talks to baseURL (the recorder) and
// nothing else.
package fixtureclients

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Session is one client run against a server's base URL ("http://host:port").
type Session func(ctx context.Context, base string) error

// GoSDKName is the clientInfo the go-sdk session sends.
const GoSDKName = "mcpvcr-fixture-gosdk"

// GoSDK runs go-sdk's client (v1.8.0) against base + "/mcp" with
// auth.NewAuthorizationCodeHandler: the 401, protected resource metadata,
// authorization server metadata, dynamic client registration, PKCE S256
// with a refresh token, then initialize, notifications/initialized, the
// GET listen stream, logging/setLevel, tools/list, echo, notify (two log
// messages that arrive on the listen stream), whoami, and DELETE on close.
// It needs a server that auto-approves (`mcpvcr serve --auto-approve`).
func GoSDK(ctx context.Context, base string) error {
	logs := make(chan string, 8)
	opts := &mcp.ClientOptions{
		LoggingMessageHandler: func(_ context.Context, req *mcp.LoggingMessageRequest) {
			select {
			case logs <- fmt.Sprint(req.Params.Data):
			default:
			}
		},
	}
	// The notify tool's messages go to the listen stream: call it only once
	// that stream is open, or they would have nowhere to go.
	listen := &listenWatch{next: http.DefaultTransport, open: make(chan struct{})}
	// 2025-11-25: this fixture records the session flow (initialize, the
	// GET listen stream); go-sdk v1.8.0 would otherwise speak 2026-07-28.
	cs, err := connectGoSDK(ctx, base, GoSDKName, opts, &http.Client{Transport: listen}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		return err
	}
	defer cs.Close()
	select {
	case <-listen.open:
	case <-ctx.Done():
		return fmt.Errorf("no listen stream opened: %w", ctx.Err())
	}
	if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
		return fmt.Errorf("logging/setLevel: %w", err)
	}
	if _, err := cs.ListTools(ctx, nil); err != nil {
		return fmt.Errorf("tools/list: %w", err)
	}
	if err := callTools(ctx, cs, []*mcp.CallToolParams{
		{Name: "echo", Arguments: map[string]any{"text": "hello through the recorder"}},
		{Name: "notify", Arguments: map[string]any{"count": 2, "message": "on the listen stream"}},
	}); err != nil {
		return err
	}
	if err := awaitN(ctx, logs, 2, "log message", "on the listen stream"); err != nil {
		return err
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami"}); err != nil {
		return fmt.Errorf("tools/call whoami: %w", err)
	}
	if err := cs.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// connectGoSDK connects go-sdk's client named name (v1.8.0, with opts) to
// base + "/mcp", its OAuth run by oauthclient.GoSDKHandler, every request
// sent by hc.
func connectGoSDK(ctx context.Context, base, name string, opts *mcp.ClientOptions, hc *http.Client, session *mcp.ClientSessionOptions) (*mcp.ClientSession, error) {
	oauth, err := oauthclient.GoSDKHandler(name, nil)
	if err != nil {
		return nil, err
	}
	client := mcp.NewClient(&mcp.Implementation{Name: name, Version: "1.8.0"}, opts)
	transport := &mcp.StreamableClientTransport{Endpoint: base + "/mcp", OAuthHandler: oauth, HTTPClient: hc}
	cs, err := client.Connect(ctx, transport, session)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return cs, nil
}

// callTools calls each tool in order; a tool error is an error.
func callTools(ctx context.Context, cs *mcp.ClientSession, calls []*mcp.CallToolParams) error {
	for _, call := range calls {
		res, err := cs.CallTool(ctx, call)
		if err != nil {
			return fmt.Errorf("tools/call %s: %w", call.Name, err)
		}
		if res.IsError {
			return fmt.Errorf("tools/call %s: tool error %v", call.Name, res.Content)
		}
	}
	return nil
}

// noRedirect returns redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// listenWatch closes open when a GET /mcp answers 200: the listen stream
// is registered on the server.
type listenWatch struct {
	next http.RoundTripper
	open chan struct{}
	once sync.Once
}

func (l *listenWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err == nil && req.Method == http.MethodGet && resp.StatusCode == http.StatusOK {
		l.once.Do(func() { close(l.open) })
	}
	return resp, err
}

// awaitN waits for n values on ch, where a notification handler forwards
// them; past ctx it names the first that never arrived, what and where.
func awaitN[T any](ctx context.Context, ch <-chan T, n int, what, where string) error {
	for i := range n {
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%s %d of %d never arrived %s: %w", what, i+1, n, where, ctx.Err())
		}
	}
	return nil
}
