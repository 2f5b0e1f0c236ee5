package fixtureclients

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// EverythingName is the clientInfo the sessions against the third-party
// reference servers (internal/referenceservers) send.
const EverythingName = "mcpvcr-fixture-everything"

// everythingSession is go-sdk's client (v1.8.0, no auth) in one session
// against a reference server: connect (initialize,
// notifications/initialized and, when listen is set, the GET listen
// stream), then steps. It declares no client capabilities, so the server
// sends it no requests (roots/list, sampling) whose timing would change
// from run to run.
type everythingSession struct {
	listen   bool
	progress chan *mcp.ProgressNotificationParams
	changed  chan string
	cs       *mcp.ClientSession
}

func (s *everythingSession) run(ctx context.Context, base string, steps func(ctx context.Context) error) error {
	s.progress = make(chan *mcp.ProgressNotificationParams, 16)
	s.changed = make(chan string, 4)
	notify := func(method string) { s.changed <- method }
	client := mcp.NewClient(&mcp.Implementation{Name: EverythingName, Version: "1.8.0"}, &mcp.ClientOptions{
		Capabilities: &mcp.ClientCapabilities{},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			select {
			case s.progress <- req.Params:
			default:
			}
		},
		ToolListChangedHandler:     func(context.Context, *mcp.ToolListChangedRequest) { notify("notifications/tools/list_changed") },
		ResourceListChangedHandler: func(context.Context, *mcp.ResourceListChangedRequest) { notify("notifications/resources/list_changed") },
	})
	watch := &listenOpened{next: http.DefaultTransport, open: make(chan struct{})}
	transport := &mcp.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: &http.Client{Transport: watch}}
	cs, err := client.Connect(ctx, transport, nil)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer cs.Close()
	s.cs = cs
	if s.listen {
		// A notification for the listen stream has nowhere to go before it
		// is open.
		select {
		case <-watch.open:
		case <-ctx.Done():
			return fmt.Errorf("no listen stream opened: %w", ctx.Err())
		}
	}
	if _, err := cs.ListTools(ctx, nil); err != nil {
		return fmt.Errorf("tools/list: %w", err)
	}
	if err := steps(ctx); err != nil {
		return err
	}
	if err := cs.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// call calls a tool and fails on a tool error.
func (s *everythingSession) call(ctx context.Context, p *mcp.CallToolParams) (*mcp.CallToolResult, error) {
	res, err := s.cs.CallTool(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("tools/call %s: %w", p.Name, err)
	}
	if res.IsError {
		return nil, fmt.Errorf("tools/call %s: tool error %v", p.Name, res.Content)
	}
	return res, nil
}

// callWithProgress calls a tool with a progress token and requires want
// progress notifications for it.
func (s *everythingSession) callWithProgress(ctx context.Context, p *mcp.CallToolParams, token string, want int) error {
	p.SetProgressToken(token)
	if _, err := s.call(ctx, p); err != nil {
		return err
	}
	for i := range want {
		select {
		case n := <-s.progress:
			if fmt.Sprint(n.ProgressToken) != token {
				return fmt.Errorf("tools/call %s: progress for token %v, want %s", p.Name, n.ProgressToken, token)
			}
		case <-ctx.Done():
			return fmt.Errorf("tools/call %s: progress notification %d of %d never came: %w", p.Name, i+1, want, ctx.Err())
		}
	}
	return nil
}

// awaitChanged waits for a list_changed notification (on the listen
// stream). Others may come first: server-everything registers tools once
// the client is initialized and announces them on whatever listen stream
// is open by then.
func (s *everythingSession) awaitChanged(ctx context.Context, method string) error {
	for {
		select {
		case got := <-s.changed:
			if got == method {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("%s never arrived on the listen stream: %w", method, ctx.Err())
		}
	}
}

// EverythingTS runs go-sdk's client against the TypeScript
// @modelcontextprotocol/server-everything (streamableHttp): initialize,
// the GET listen stream, tools/list, trigger-long-running-operation (four
// progress notifications on its POST stream, 0.2 s apart),
// gzip-file-as-resource of a data: URI (it registers a session resource,
// so notifications/resources/list_changed arrives on the listen stream),
// resources/list, echo, DELETE.
func EverythingTS(ctx context.Context, base string) error {
	s := &everythingSession{listen: true}
	return s.run(ctx, base, func(ctx context.Context) error {
		if err := s.callWithProgress(ctx, &mcp.CallToolParams{Name: "trigger-long-running-operation",
			Arguments: map[string]any{"duration": 0.8, "steps": 4}}, "progress-1", 4); err != nil {
			return err
		}
		if _, err := s.call(ctx, &mcp.CallToolParams{Name: "gzip-file-as-resource", Arguments: map[string]any{
			"name": "hello.txt.gz", "data": "data:text/plain,hello%20through%20the%20recorder", "outputType": "resourceLink",
		}}); err != nil {
			return err
		}
		if err := s.awaitChanged(ctx, "notifications/resources/list_changed"); err != nil {
			return err
		}
		if _, err := s.cs.ListResources(ctx, nil); err != nil {
			return fmt.Errorf("resources/list: %w", err)
		}
		res, err := s.call(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "hello through the recorder"}})
		if err != nil {
			return err
		}
		return wantText(res, "hello through the recorder")
	})
}

// EverythingGo runs go-sdk's client against go-sdk's
// conformance/everything-server with sessions (-stateless=false):
// initialize, the GET listen stream, tools/list, then conformanceSteps
// and DELETE.
func EverythingGo(ctx context.Context, base string) error {
	s := &everythingSession{listen: true}
	return s.run(ctx, base, s.conformanceSteps)
}

// EverythingGoStateless runs go-sdk's client against go-sdk's
// conformance/everything-server in its default stateless mode, where the
// client speaks protocol 2026-07-28: server/discover instead of
// initialize, no Mcp-Session-Id, and the listen stream is a POST of
// subscriptions/listen; tools/list, then conformanceSteps; closing
// cancels the listen stream.
func EverythingGoStateless(ctx context.Context, base string) error {
	s := &everythingSession{listen: true}
	return s.run(ctx, base, s.conformanceSteps)
}

// conformanceSteps are the calls to go-sdk's conformance server:
// test_tool_with_progress (three progress notifications on its POST
// stream), test_trigger_tool_change (notifications/tools/list_changed on
// the listen stream), tools/list again, test_simple_text.
func (s *everythingSession) conformanceSteps(ctx context.Context) error {
	if err := s.callWithProgress(ctx, &mcp.CallToolParams{Name: "test_tool_with_progress"}, "progress-1", 3); err != nil {
		return err
	}
	if _, err := s.call(ctx, &mcp.CallToolParams{Name: "test_trigger_tool_change"}); err != nil {
		return err
	}
	if err := s.awaitChanged(ctx, "notifications/tools/list_changed"); err != nil {
		return err
	}
	if _, err := s.cs.ListTools(ctx, nil); err != nil {
		return fmt.Errorf("tools/list after the change: %w", err)
	}
	_, err := s.call(ctx, &mcp.CallToolParams{Name: "test_simple_text"})
	return err
}

// listenOpened closes open when a listen stream answers 200: a GET (up to
// protocol 2025-11-25) or a POST of subscriptions/listen (2026-07-28).
type listenOpened struct {
	next http.RoundTripper
	open chan struct{}
	once sync.Once
}

func (l *listenOpened) RoundTrip(req *http.Request) (*http.Response, error) {
	listen := req.Method == http.MethodGet
	if req.Method == http.MethodPost && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			body, _ := io.ReadAll(b)
			listen = bytes.Contains(body, []byte(`"method":"subscriptions/listen"`))
		}
	}
	resp, err := l.next.RoundTrip(req)
	if err == nil && listen && resp.StatusCode == http.StatusOK {
		l.once.Do(func() { close(l.open) })
	}
	return resp, err
}

func wantText(res *mcp.CallToolResult, want string) error {
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok && strings.Contains(t.Text, want) {
			return nil
		}
	}
	return fmt.Errorf("tool result %v does not contain %q", res.Content, want)
}
