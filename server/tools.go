package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ToolSet names the tools, resources and prompts the server offers
// (--tools, Config.Tools).
type ToolSet string

const (
	// ToolsDefault exercises the transport: echo, slow, notify, whoami, fail.
	ToolsDefault ToolSet = "default"
	// ToolsConformance is the reference everything-server's tools, resources
	// and prompts, as @modelcontextprotocol/conformance calls them (package
	// server/conformance).
	ToolsConformance ToolSet = "conformance"
)

// addDefaultTools registers the transport-exercising tools.
func addDefaultTools(s *mcp.Server) {
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Returns its text argument."}, echoTool)
	mcp.AddTool(s, &mcp.Tool{Name: "slow", Description: "Runs for `duration` (Go syntax, e.g. 2s), sending `steps` progress notifications on the call's stream."}, slowTool)
	mcp.AddTool(s, &mcp.Tool{Name: "notify", Description: "Sends `count` log messages on the session's listen stream (GET), not on the call's stream. The client must have set a log level (logging/setLevel)."}, notifyTool)
	mcp.AddTool(s, &mcp.Tool{Name: "whoami", Description: "Reports the bearer token's client, subject, scopes and audience, or anonymous."}, whoamiTool)
	mcp.AddTool(s, &mcp.Tool{Name: "fail", Description: "Returns a tool error (isError: true) with the given message."}, failTool)
}

// EchoArgs are the arguments of the echo tool.
type EchoArgs struct {
	Text string `json:"text" jsonschema:"the text to return"`
}

func echoTool(ctx context.Context, req *mcp.CallToolRequest, in EchoArgs) (*mcp.CallToolResult, any, error) {
	return textResult(in.Text), nil, nil
}

// SlowArgs are the arguments of the slow tool.
type SlowArgs struct {
	Duration string `json:"duration" jsonschema:"how long to run, e.g. 2s (default 1s, at most 5m)"`
	Steps    int    `json:"steps,omitempty" jsonschema:"progress notifications to send (default 5)"`
}

func slowTool(ctx context.Context, req *mcp.CallToolRequest, in SlowArgs) (*mcp.CallToolResult, any, error) {
	d := time.Second
	if in.Duration != "" {
		var err error
		if d, err = time.ParseDuration(in.Duration); err != nil || d < 0 || d > 5*time.Minute {
			return nil, nil, fmt.Errorf("duration %q: want a Go duration between 0 and 5m", in.Duration)
		}
	}
	steps := in.Steps
	if steps <= 0 {
		steps = 5
	}
	token := req.Params.GetProgressToken()
	for i := 1; i <= steps; i++ {
		t := time.NewTimer(d / time.Duration(steps))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		case <-t.C:
		}
		if token != nil {
			err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
				ProgressToken: token, Progress: float64(i), Total: float64(steps),
				Message: fmt.Sprintf("step %d/%d", i, steps),
			})
			if err != nil {
				return nil, nil, fmt.Errorf("progress %d: %w", i, err)
			}
		}
	}
	return textResult(fmt.Sprintf("slept %s in %d steps", d, steps)), nil, nil
}

// NotifyArgs are the arguments of the notify tool.
type NotifyArgs struct {
	Count   int    `json:"count,omitempty" jsonschema:"log messages to send (default 1, at most 100)"`
	Message string `json:"message,omitempty" jsonschema:"the text of each message"`
}

func notifyTool(ctx context.Context, req *mcp.CallToolRequest, in NotifyArgs) (*mcp.CallToolResult, any, error) {
	n := in.Count
	if n <= 0 {
		n = 1
	}
	if n > 100 {
		return nil, nil, fmt.Errorf("count %d: at most 100", n)
	}
	msg := in.Message
	if msg == "" {
		msg = "hello from notify"
	}
	// A context without the call's request id: go-sdk then routes the
	// notification to the standalone (GET) stream instead of the POST's.
	detached := context.Background()
	for i := 1; i <= n; i++ {
		err := req.Session.Log(detached, &mcp.LoggingMessageParams{
			Level: "info", Logger: "notify",
			Data: map[string]any{"message": msg, "n": i, "of": n},
		})
		if err != nil {
			return nil, nil, fmt.Errorf("log message %d: %w", i, err)
		}
	}
	return textResult(fmt.Sprintf("sent %d log message(s) to the listen stream", n)), nil, nil
}

// Whoami is the whoami tool's structured answer.
type Whoami struct {
	Anonymous bool     `json:"anonymous"`
	ClientID  string   `json:"client_id,omitempty"`
	Subject   string   `json:"subject,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	Audience  string   `json:"audience,omitempty"`
}

func whoamiTool(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, Whoami, error) {
	var ti *auth.TokenInfo
	if req.Extra != nil {
		ti = req.Extra.TokenInfo
	}
	w := whoamiFrom(ti)
	b, _ := json.Marshal(w)
	text := string(b)
	if w.Anonymous {
		text = "anonymous"
	}
	return textResult(text), w, nil
}

// whoamiFrom reads what the bearer check put into the token info: UserID is
// the subject, Extra["client_id"] and Extra["resource"] the client and the
// audience (the contract with the OAuth side).
func whoamiFrom(ti *auth.TokenInfo) Whoami {
	if ti == nil {
		return Whoami{Anonymous: true}
	}
	w := Whoami{Subject: ti.UserID, Scopes: ti.Scopes}
	if v, ok := ti.Extra["client_id"].(string); ok {
		w.ClientID = v
	}
	if v, ok := ti.Extra["resource"].(string); ok {
		w.Audience = v
	}
	return w
}

// FailArgs are the arguments of the fail tool.
type FailArgs struct {
	Message string `json:"message,omitempty" jsonschema:"the error text"`
}

func failTool(ctx context.Context, req *mcp.CallToolRequest, in FailArgs) (*mcp.CallToolResult, any, error) {
	msg := in.Message
	if msg == "" {
		msg = "the fail tool failed, as asked"
	}
	res := textResult(msg)
	res.IsError = true
	return res, nil, nil
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}
