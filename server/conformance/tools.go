// Copyright 2025 The Go MCP SDK Authors. All rights reserved.
// Use of this source code is governed by an MIT-style
// license that can be found in the LICENSE file.
//
// Ported to mcpvcr from github.com/modelcontextprotocol/go-sdk@v1.8.0
// conformance/everything-server/main.go: the tools, resources and prompts of
// the reference everything-server that @modelcontextprotocol/conformance
// calls (--tools conformance). Changes: package, names prefixed with "conf",
// no main/flags, the session id from the caller, the watched-resource
// updater runs only while a client is subscribed (so a test server leaks no
// goroutine), and the repeated result, registration and schema literals
// built by one helper each (confText, confAsk, confTool, confElicit, ...):
// what goes on the wire is unchanged (make conformance-server and its
// 2025/2026 runs pass the same scenarios).
//
//lint:file-ignore SA1019 conformance server exercises deprecated SEP-2577 APIs (roots, sampling, logging).

package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/yosida95/uritemplate/v3"
)

const confWatchedResourceURI = "test://watched-resource"

// confWatchedResourceUpdater sends resource update notifications every 3 seconds.
func confWatchedResourceUpdater(ctx context.Context, server *mcp.Server) {
	ticker := time.NewTicker(3 * time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			server.ResourceUpdated(ctx, &mcp.ResourceUpdatedNotificationParams{
				URI: confWatchedResourceURI,
			})
		}
	}
}

// =============================================================================
// Tools
// =============================================================================

func confRegisterTools(server *mcp.Server) {
	confTool(server, "test_simple_text", "Tests simple text content response", confTestSimpleTextHandler)
	confTool(server, "test_image_content", "Tests image content response", confTestImageContentHandler)
	confTool(server, "test_audio_content", "Tests audio content response", confTestAudioContentHandler)
	confTool(server, "test_embedded_resource", "Tests embedded resource content response", confTestEmbeddedResourceHandler)
	confTool(server, "test_multiple_content_types", "Tests response with multiple content types (text, image, resource)", confTestMultipleContentTypesHandler)
	confTool(server, "test_tool_with_logging", "Tests tool that emits log messages during execution", confTestToolWithLoggingHandler)
	confTool(server, "test_tool_with_progress", "Tests tool that reports progress notifications", confTestToolWithProgressHandler)
	confTool(server, "test_error_handling", "Tests error response handling", confTestErrorHandlingHandler)
	confTool(server, "test_sampling", "Tests server-initiated sampling (LLM completion request)", confTestSamplingHandler)
	confTool(server, "test_elicitation", "Tests server-initiated elicitation (user input request)", confTestElicitationHandler)
	confTool(server, "test_elicitation_sep1034_defaults", "Tests elicitation with default values per SEP-1034", confTestElicitationDefaultsHandler)
	confTool(server, "test_elicitation_sep1330_enums", "Tests elicitation with enum schema improvements per SEP-1330", confTestElicitationEnumsHandler)

	// SEP-1613 / SEP-2106: JSON Schema 2020-12 conformance test tool.
	// The scenario verifies that $schema/$defs/additionalProperties (SEP-1613)
	// and the broader 2020-12 vocabulary — $anchor, allOf/anyOf, if/then/else —
	// (SEP-2106) survive tools/list verbatim.
	confSchemaTool(server, "json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613, SEP-2106)", confJSONSchema202012, confJsonSchema202012Handler)

	confTool(server, "test_reconnection", "Tests SSE stream disconnection and client reconnection (SEP-1699). Server will close the stream mid-call and send the result after client reconnects.", confTestReconnectionHandler)

	// SEP-2243 x-mcp-header tool — arms the http-custom-header-server-validation
	// conformance scenario (which skips when no tool with an x-mcp-header
	// annotation is found).
	confSchemaTool(server, "test_x_mcp_header", "Tests SEP-2243 Mcp-Param-* server-side validation", confXMcpHeaderSchema, confTestXMcpHeaderHandler)

	// SEP-2575 diagnostic tools used by the stateless conformance scenario.
	confTool(server, "test_missing_capability", "Requires the sampling client capability; used to verify MissingRequiredClientCapabilityError (-32021) (SEP-2575)", confTestMissingCapabilityHandler)
	confTool(server, "test_streaming_elicitation", "Streams progress notifications while a call is in flight; used to verify response streams carry only notifications, never independent JSON-RPC requests (SEP-2575)", confTestStreamingElicitationHandler)
	confTool(server, "test_logging_tool", "Attempts to emit a log message; the framework must drop it when the client did not set _meta.../logLevel (SEP-2575)", confTestLoggingToolHandler)
	confTool(server, "test_trigger_tool_change", "Mutates the tool list to trigger a notifications/tools/list_changed on active subscription streams (SEP-2575)", confMakeTriggerToolChangeHandler(server))
	confTool(server, "test_trigger_prompt_change", "Mutates the prompt list to trigger a notifications/prompts/list_changed on active subscription streams (SEP-2575)", confMakeTriggerPromptChangeHandler(server))
	confTool(server, "test_input_required_result_elicitation", "MRTR (SEP-2322): asks for the caller name via an in-band elicitation request", confTestInputRequiredElicitationHandler)
	confTool(server, "test_input_required_result_sampling", "MRTR (SEP-2322): asks for an LLM completion via an in-band sampling request", confTestInputRequiredSamplingHandler)
	confTool(server, "test_input_required_result_list_roots", "MRTR (SEP-2322): asks for the client roots via an in-band roots/list request", confTestInputRequiredListRootsHandler)
	confTool(server, "test_input_required_result_request_state", "MRTR (SEP-2322): round-trips integrity-protected requestState alongside an elicitation request", confTestInputRequiredRequestStateHandler)
	confTool(server, "test_input_required_result_multiple_inputs", "MRTR (SEP-2322): asks for elicitation, sampling and roots input in a single round", confTestInputRequiredMultipleInputsHandler)
	confTool(server, "test_input_required_result_multi_round", "MRTR (SEP-2322): two elicitation rounds with evolving requestState before completing", confTestInputRequiredMultiRoundHandler)
	confTool(server, "test_input_required_result_tampered_state", "MRTR (SEP-2322): rejects retries whose requestState fails integrity verification", confTestInputRequiredTamperedStateHandler)
	confTool(server, "test_input_required_result_capabilities", "MRTR (SEP-2322): only requests input kinds the declared client capabilities cover", confTestInputRequiredCapabilitiesHandler)
}

// The input schemas of the two tools whose schema is the point: sent
// verbatim in tools/list.
const (
	confJSONSchema202012 = `{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"type": "object",
		"$defs": {
			"address": {
				"$anchor": "addressDef",
				"type": "object",
				"properties": {
					"street": { "type": "string" },
					"city": { "type": "string" }
				}
			}
		},
		"properties": {
			"name": { "type": "string" },
			"address": { "$ref": "#/$defs/address" },
			"contactMethod": { "type": "string", "enum": ["phone", "email"] },
			"phone": { "type": "string" },
			"email": { "type": "string" }
		},
		"allOf": [
			{ "anyOf": [{ "required": ["phone"] }, { "required": ["email"] }] }
		],
		"if": {
			"properties": { "contactMethod": { "const": "phone" } },
			"required": ["contactMethod"]
		},
		"then": { "required": ["phone"] },
		"else": { "required": ["email"] },
		"additionalProperties": false
	}`
	confXMcpHeaderSchema = `{
		"type": "object",
		"properties": {
			"region": { "type": "string", "description": "mirrored into Mcp-Param-Region", "x-mcp-header": "Region" },
			"level": { "type": "integer", "description": "non-mirrored argument" }
		}
	}`
)

// confSchemaTool registers a tool whose input schema is given as JSON.
func confSchemaTool[In any](server *mcp.Server, name, description, schema string, h mcp.ToolHandlerFor[In, any]) {
	mcp.AddTool(server, &mcp.Tool{Name: name, Description: description, InputSchema: json.RawMessage(schema)}, h)
}

// confTool registers a tool of no declared schema (the SDK infers it from
// In) under name.
func confTool[In any](server *mcp.Server, name, description string, h mcp.ToolHandlerFor[In, any]) {
	mcp.AddTool(server, &mcp.Tool{Name: name, Description: description}, h)
}

// Tool handlers

// Results every handler answers with.

// confText is a tool result of one text.
func confText(text string) (*mcp.CallToolResult, any, error) {
	return confContent(&mcp.TextContent{Text: text})
}

// confContent is a tool result of content.
func confContent(content ...mcp.Content) (*mcp.CallToolResult, any, error) {
	return &mcp.CallToolResult{Content: content}, nil, nil
}

// confElicit asks the user for input of schema (elicitation/create) and
// reports what came back.
func confElicit(ctx context.Context, req *mcp.CallToolRequest, message string, schema any) (*mcp.CallToolResult, any, error) {
	result, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Message: message, RequestedSchema: schema})
	if err != nil {
		return nil, nil, fmt.Errorf("elicitation failed: %w", err)
	}
	return confText(fmt.Sprintf("Elicitation result: action=%s, content=%v", result.Action, result.Content))
}

// confAsk is an InputRequiredResult (SEP-2322): the input the client must
// supply, and the requestState to round-trip ("" for none).
func confAsk(reqs mcp.InputRequestMap, state string) (*mcp.CallToolResult, any, error) {
	return &mcp.CallToolResult{InputRequests: reqs, RequestState: state}, nil, nil
}

// confLog sends an info-level log message to the client.
func confLog(ctx context.Context, req *mcp.CallToolRequest, data string) {
	req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Data: data})
}

// confInvalidParams is the JSON-RPC error for a retry whose params are refused.
func confInvalidParams(message string) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: message}
}

func confTestSimpleTextHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return confText("This is a simple text response for testing.")
}

func confTestImageContentHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return confContent(
		&mcp.ImageContent{
			Data:     confImageData(),
			MIMEType: "image/png",
		},
	)
}

func confTestAudioContentHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return confContent(
		&mcp.AudioContent{
			Data:     confAudioData(),
			MIMEType: "audio/wav",
		},
	)
}

func confTestEmbeddedResourceHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return confContent(
		&mcp.EmbeddedResource{
			Resource: &mcp.ResourceContents{
				URI:      "test://embedded-resource",
				MIMEType: "text/plain",
				Text:     "This is an embedded resource",
			},
		},
	)
}

func confTestMultipleContentTypesHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return confContent(
		&mcp.TextContent{Text: "This is text content"},
		&mcp.ImageContent{
			Data:     confImageData(),
			MIMEType: "image/png",
		},
		&mcp.EmbeddedResource{
			Resource: &mcp.ResourceContents{
				URI:      "test://embedded-in-multiple",
				MIMEType: "text/plain",
				Text:     "This is an embedded resource",
			},
		},
	)
}

func confTestToolWithLoggingHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	// Emit three info-level log messages
	confLog(ctx, req, "Tool execution started")
	time.Sleep(50 * time.Millisecond)
	confLog(ctx, req, "Tool processing data")
	time.Sleep(50 * time.Millisecond)
	confLog(ctx, req, "Tool execution completed")

	return confText("Tool with logging executed successfully")
}

func confTestToolWithProgressHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	// Get progress token from the request if provided
	progressToken := req.Params.GetProgressToken()

	// Send three progress notifications (0%, 50%, 100%)
	total := 100.0
	steps := []float64{0, 50, 100}
	for _, progress := range steps {
		req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
			ProgressToken: progressToken,
			Progress:      progress,
			Total:         total,
			Message:       fmt.Sprintf("Completed step %.0f of %.0f", progress, total),
		})
		time.Sleep(50 * time.Millisecond)
	}

	// Return the progress token value as the response (matching TypeScript behavior)
	tokenStr := fmt.Sprintf("%v", progressToken)
	return confText(tokenStr)
}

func confTestErrorHandlingHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return nil, nil, errors.New("this tool intentionally returns an error for testing")
}

type confSamplingInput struct {
	Prompt string `json:"prompt" jsonschema:"The prompt to send to the LLM"`
}

func confTestSamplingHandler(ctx context.Context, req *mcp.CallToolRequest, input confSamplingInput) (*mcp.CallToolResult, any, error) {
	// Request LLM completion from the client
	result, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{
		Messages: []*mcp.SamplingMessage{
			{
				Role: "user",
				Content: &mcp.TextContent{
					Text: input.Prompt,
				},
			},
		},
		MaxTokens: 100,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("sampling failed: %w", err)
	}

	// Extract the text response from the result
	var responseText string
	if tc, ok := result.Content.(*mcp.TextContent); ok {
		responseText = tc.Text
	} else {
		responseText = "(non-text response)"
	}

	return confText(fmt.Sprintf("LLM response: %s", responseText))
}

type confElicitationInput struct {
	Message string `json:"message" jsonschema:"The message to show the user"`
}

func confTestElicitationHandler(ctx context.Context, req *mcp.CallToolRequest, input confElicitationInput) (*mcp.CallToolResult, any, error) {
	return confElicit(ctx, req, input.Message, &jsonschema.Schema{
		Type: "object",
		Properties: map[string]*jsonschema.Schema{
			"username": {
				Type:        "string",
				Description: "Your preferred username",
			},
		},
		Required: []string{"username"},
	})
}

func confTestElicitationDefaultsHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return confElicit(ctx, req, "Test defaults for primitives", confObject(map[string]any{
		"name": map[string]any{
			"type":        "string",
			"description": "User name",
			"default":     "John Doe",
		},
		"age": map[string]any{
			"type":        "integer",
			"description": "User age",
			"default":     30,
		},
		"score": map[string]any{
			"type":        "number",
			"description": "User score",
			"default":     95.5,
		},
		"status": map[string]any{
			"type":        "string",
			"description": "User status",
			"enum":        []string{"active", "inactive", "pending"},
			"default":     "active",
		},
		"verified": map[string]any{
			"type":        "boolean",
			"description": "Verification status",
			"default":     true,
		},
	}))
}

func confTestElicitationEnumsHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return confElicit(ctx, req, "Test enum schemas", confObject(map[string]any{
		// Basic enum without titles
		"untitledSingle": map[string]any{
			"type": "string",
			"enum": []string{"option1", "option2", "option3"},
		},
		// Enum with titles using oneOf
		"titledSingle": map[string]any{
			"type":  "string",
			"oneOf": confTitledOptions(),
		},
		// Legacy enum with enumNames
		"legacyEnum": map[string]any{
			"type":      "string",
			"enum":      []string{"opt1", "opt2", "opt3"},
			"enumNames": []string{"Option One", "Option Two", "Option Three"},
		},
		// Multi-select without titles
		"untitledMulti": confMultiSelect(map[string]any{
			"type": "string",
			"enum": []string{"option1", "option2", "option3"},
		}),
		// Multi-select with titles using anyOf
		"titledMulti": confMultiSelect(map[string]any{
			"type":  "string",
			"anyOf": confTitledOptions(),
		}),
	}))
}

// confObject is the object schema of properties, as the SEP-1034 and
// SEP-1330 scenarios send it.
func confObject(properties map[string]any) map[string]any {
	return map[string]any{"type": "object", "properties": properties}
}

// confMultiSelect is a multi-select of one to three items.
func confMultiSelect(items map[string]any) map[string]any {
	return map[string]any{"type": "array", "minItems": 1, "maxItems": 3, "items": items}
}

// confTitledOptions are the three titled options of both titled enums.
func confTitledOptions() []map[string]any {
	return []map[string]any{
		{"const": "value1", "title": "First Option"},
		{"const": "value2", "title": "Second Option"},
		{"const": "value3", "title": "Third Option"},
	}
}

func confJsonSchema202012Handler(ctx context.Context, req *mcp.CallToolRequest, input json.RawMessage) (*mcp.CallToolResult, any, error) {
	return confText(fmt.Sprintf("JSON Schema 2020-12 tool called with: %s", input))
}

type confTestXMcpHeaderInput struct {
	Region string `json:"region,omitempty"`
	Level  int    `json:"level,omitempty"`
}

func confTestXMcpHeaderHandler(ctx context.Context, req *mcp.CallToolRequest, input confTestXMcpHeaderInput) (*mcp.CallToolResult, any, error) {
	return confText(fmt.Sprintf("region=%s", input.Region))
}

// confTestMissingCapabilityHandler requires the client to have declared the
// sampling capability. When absent, it returns a MissingRequiredClientCapabilityError
// with data.requiredCapabilities = {"sampling": {}} per SEP-2575.
func confTestMissingCapabilityHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	caps := req.ClientCapabilities()
	if caps != nil && caps.Sampling != nil {
		return confText("Client declared the sampling capability; tool executed.")
	}
	missingCapabilityData := mcp.MissingRequiredClientCapabilityData{
		RequiredCapabilities: &mcp.ClientCapabilities{
			Sampling: &mcp.SamplingCapabilities{},
		},
	}
	dataBytes, err := json.Marshal(missingCapabilityData)
	if err != nil {
		return nil, nil, err
	}
	return nil, nil, &jsonrpc.Error{
		Code:    mcp.CodeMissingRequiredClientCapabilities,
		Message: "sampling capability required but not declared by client",
		Data:    dataBytes,
	}
}

// confTestStreamingElicitationHandler returns a plain result. Per SEP-2575, the
// response stream must carry no independent top-level JSON-RPC requests; a
// plain response trivially satisfies this. The scenario declares no
// `elicitation` capability, so this handler must not call req.Session.Elicit.
func confTestStreamingElicitationHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	return confText("stream observed: result frames only, no top-level requests")
}

// confTestLoggingToolHandler attempts to emit a log message. The SDK's
// ServerSession.Log gates on the per-request _meta.../logLevel, so this is a
// no-op notification-wise when the client did not opt in.
func confTestLoggingToolHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	confLog(ctx, req, "test_logging_tool executed")
	return confText("Log attempted; framework gates on _meta.../logLevel.")
}

// confMakeTriggerToolChangeHandler returns a handler that (re-)registers a
// no-op transient tool. Every call to Server.AddTool dispatches a
// notifications/tools/list_changed to active subscription streams (even when
// it replaces a tool with the same name), which is what the SEP-2575
// subscription checks assert.
func confMakeTriggerToolChangeHandler(server *mcp.Server) mcp.ToolHandlerFor[any, any] {
	return func(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
		mcp.AddTool(server, &mcp.Tool{
			Name:        "__transient_tool_for_list_changed",
			Description: "Transient tool used to trigger tools/list_changed",
		}, func(context.Context, *mcp.CallToolRequest, any) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{}, nil, nil
		})
		return confText("tools_list_changed published")
	}
}

// confMakeTriggerPromptChangeHandler is the prompt analogue of
// confMakeTriggerToolChangeHandler.
func confMakeTriggerPromptChangeHandler(server *mcp.Server) mcp.ToolHandlerFor[any, any] {
	return func(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
		server.AddPrompt(&mcp.Prompt{
			Name:        "__transient_prompt_for_list_changed",
			Description: "Transient prompt used to trigger prompts/list_changed",
		}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{}, nil
		})
		return confText("prompts_list_changed published")
	}
}

// =============================================================================
// SEP-2322 Multi-Round-Trip helpers
// =============================================================================

// confRequestStateTamperedSuffix is what the tampered-state conformance scenario
// appends to a valid requestState. Detecting this suffix is sufficient to
// pass the check; a production server would use a real integrity mechanism
// (HMAC / AEAD, per SEP-2322 § "Server Requirements").
const confRequestStateTamperedSuffix = "-TAMPERED"

// confRequestStateValid reports whether the state looks like one this server
// minted (i.e. the harness did not append the tampered marker).
func confRequestStateValid(state string) bool {
	return state != "" && !strings.HasSuffix(state, confRequestStateTamperedSuffix)
}

// confAcceptedContent returns the "content" field of an ElicitResult only when the
// user accepted the elicitation. Returns nil if the response is missing, of the
// wrong type, or the action is not "accept".
func confAcceptedContent(responses mcp.InputResponseMap, key string) map[string]any {
	if responses == nil {
		return nil
	}
	resp, ok := responses[key]
	if !ok {
		return nil
	}
	elicit, ok := resp.(*mcp.ElicitResult)
	if !ok || elicit == nil || elicit.Action != "accept" {
		return nil
	}
	return elicit.Content
}

// =============================================================================
// SEP-2322 Multi-Round-Trip tool handlers
// =============================================================================

// confNameElicitSchema is the requestedSchema used by tools that elicit a name.
func confNameElicitSchema() *jsonschema.Schema { return confFieldSchema("name", "string") }

// confFieldSchema is an object schema of one required field of type typ.
func confFieldSchema(field, typ string) *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:       "object",
		Properties: map[string]*jsonschema.Schema{field: {Type: typ}},
		Required:   []string{field},
	}
}

// confTestInputRequiredElicitationHandler asks for the caller name via elicitation.
// Reused by the result-type, missing-input-response, ignore-extra-params, and
// validate-input scenarios: anything that does not carry an accepted
// "user_name" response is answered with a fresh InputRequiredResult.
func confTestInputRequiredElicitationHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	if content := confAcceptedContent(req.Params.InputResponses, "user_name"); content != nil {
		name, _ := content["name"].(string)
		if name != "" {
			return confText(fmt.Sprintf("Hello, %s!", name))
		}
	}
	return confAsk(mcp.InputRequestMap{
		"user_name": &mcp.ElicitParams{
			Message:         "What is your name?",
			RequestedSchema: confNameElicitSchema(),
		},
	}, "")
}

// confSamplingResponseText extracts the first text content from a sampling
// response. The Go SDK unmarshals responses with a "role" field into
// *CreateMessageWithToolsResult (a superset of the legacy single-content
// CreateMessageResult).
func confSamplingResponseText(responses mcp.InputResponseMap, key string) (string, bool) {
	resp, ok := responses[key].(*mcp.CreateMessageWithToolsResult)
	if !ok || resp == nil {
		return "", false
	}
	for _, c := range resp.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			return tc.Text, true
		}
	}
	return "(non-text response)", true
}

// confTestInputRequiredSamplingHandler asks for an LLM completion via sampling.
func confTestInputRequiredSamplingHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	if text, ok := confSamplingResponseText(req.Params.InputResponses, "capital_question"); ok {
		return confText(fmt.Sprintf("Sampling response: %s", text))
	}
	return confAsk(mcp.InputRequestMap{
		"capital_question": &mcp.CreateMessageParams{
			Messages: []*mcp.SamplingMessage{
				{Role: "user", Content: &mcp.TextContent{Text: "What is the capital of France?"}},
			},
			MaxTokens: 100,
		},
	}, "")
}

// confTestInputRequiredListRootsHandler asks for the client roots.
func confTestInputRequiredListRootsHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	if resp, ok := req.Params.InputResponses["client_roots"].(*mcp.ListRootsResult); ok && resp != nil {
		var uris []string
		for _, r := range resp.Roots {
			uris = append(uris, r.URI)
		}
		return confText(fmt.Sprintf("Client exposed %d root(s): %s", len(resp.Roots), strings.Join(uris, ", ")))
	}
	return confAsk(mcp.InputRequestMap{
		"client_roots": &mcp.ListRootsParams{},
	}, "")
}

// confStateOK answers a confirmed retry whose requestState is intact.
const confStateOK = "state-ok: requestState received and confirmation accepted"

// confAskConfirm asks the user to confirm (ok, a boolean), with state as
// the requestState to round-trip.
func confAskConfirm(state string) (*mcp.CallToolResult, any, error) {
	return confAsk(mcp.InputRequestMap{
		"confirm": &mcp.ElicitParams{Message: "Please confirm", RequestedSchema: confFieldSchema("ok", "boolean")},
	}, state)
}

// confTestInputRequiredRequestStateHandler round-trips an opaque requestState
// alongside an elicitation request.
func confTestInputRequiredRequestStateHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	if content := confAcceptedContent(req.Params.InputResponses, "confirm"); content != nil {
		if confRequestStateValid(req.Params.RequestState) {
			return confText(confStateOK)
		}
		return nil, nil, confInvalidParams("invalid requestState")
	}
	return confAskConfirm("request_state")
}

// confTestInputRequiredMultipleInputsHandler asks for elicitation, sampling, and
// roots input in a single round.
func confTestInputRequiredMultipleInputsHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	nameContent := confAcceptedContent(req.Params.InputResponses, "user_name")
	name, _ := nameContent["name"].(string)

	greetingText, hasGreeting := confSamplingResponseText(req.Params.InputResponses, "greeting")

	var rootsCount int
	rootsResp, rootsOK := req.Params.InputResponses["client_roots"].(*mcp.ListRootsResult)
	if rootsOK && rootsResp != nil {
		rootsCount = len(rootsResp.Roots)
	}

	if name != "" && hasGreeting && rootsOK {
		return confText(fmt.Sprintf("%s %s — %d root(s) visible", greetingText, name, rootsCount))
	}
	return confAsk(mcp.InputRequestMap{
		"user_name": &mcp.ElicitParams{
			Message:         "What is your name?",
			RequestedSchema: confNameElicitSchema(),
		},
		"greeting": &mcp.CreateMessageParams{
			Messages: []*mcp.SamplingMessage{
				{Role: "user", Content: &mcp.TextContent{Text: "Generate a greeting"}},
			},
			MaxTokens: 50,
		},
		"client_roots": &mcp.ListRootsParams{},
	}, "multiple_inputs")
}

// confTestInputRequiredMultiRoundHandler runs two elicitation rounds with
// evolving requestState before completing. The round number (and the name
// elicited in round 1) lives in the state, since the stateless server keeps
// no per-session memory.
func confTestInputRequiredMultiRoundHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	state := req.Params.RequestState
	// State format: "round=1" or "round=2;name=<name>".
	switch {
	case state == "":
		return confAsk(mcp.InputRequestMap{
			"step1": &mcp.ElicitParams{
				Message:         "Step 1: What is your name?",
				RequestedSchema: confNameElicitSchema(),
			},
		}, "round=1")
	case state == "round=1":
		name, _ := confAcceptedContent(req.Params.InputResponses, "step1")["name"].(string)
		if name == "" {
			name = "unknown"
		}
		return confAsk(mcp.InputRequestMap{
			"step2": &mcp.ElicitParams{
				Message:         "Step 2: What is your favorite color?",
				RequestedSchema: confFieldSchema("color", "string"),
			},
		}, "round=2;name="+name)
	default:
		color, _ := confAcceptedContent(req.Params.InputResponses, "step2")["color"].(string)
		if color == "" {
			color = "unknown"
		}
		name := strings.TrimPrefix(state, "round=2;name=")
		return confText(fmt.Sprintf("Multi-round complete: %s likes %s", name, color))
	}
}

// confTestInputRequiredTamperedStateHandler rejects retries whose requestState
// looks tampered. The conformance harness tampers by appending "-TAMPERED";
// production servers should use a real integrity mechanism (HMAC / AEAD).
func confTestInputRequiredTamperedStateHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	if req.Params.RequestState != "" {
		if !confRequestStateValid(req.Params.RequestState) {
			return nil, nil, confInvalidParams("invalid requestState: tampered")
		}
		if confAcceptedContent(req.Params.InputResponses, "confirm") != nil {
			return confText(confStateOK)
		}
	}
	return confAskConfirm("tampered_state")
}

// confTestInputRequiredCapabilitiesHandler only requests input kinds the client
// declared capabilities cover. Reads capabilities from the per-request
// _meta["io.modelcontextprotocol/clientCapabilities"] envelope.
func confTestInputRequiredCapabilitiesHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	if len(req.Params.InputResponses) > 0 {
		return confText("Capability-aware input requests fulfilled")
	}
	caps := req.ClientCapabilities()
	reqs := mcp.InputRequestMap{}
	if caps != nil && caps.Elicitation != nil {
		reqs["user_name"] = &mcp.ElicitParams{
			Message:         "What is your name?",
			RequestedSchema: confNameElicitSchema(),
		}
	}
	if caps != nil && caps.Sampling != nil {
		reqs["greeting"] = &mcp.CreateMessageParams{
			Messages: []*mcp.SamplingMessage{
				{Role: "user", Content: &mcp.TextContent{Text: "Generate a short greeting"}},
			},
			MaxTokens: 50,
		}
	}
	if caps != nil && (caps.RootsV2 != nil || caps.Roots.ListChanged) {
		reqs["client_roots"] = &mcp.ListRootsParams{}
	}
	if len(reqs) == 0 {
		return confText("No declared client capability supports an in-band input request")
	}
	return confAsk(reqs, "")
}

// confTestInputRequiredPromptHandler is the prompts/get analogue: elicits context
// on the first call and returns a GetPromptResult with messages on retry.
func confTestInputRequiredPromptHandler(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	if content := confAcceptedContent(req.Params.InputResponses, "user_context"); content != nil {
		contextStr, _ := content["context"].(string)
		return confUserPrompt("A prompt with elicited context", &mcp.TextContent{Text: fmt.Sprintf("Context: %s", contextStr)})
	}
	return &mcp.GetPromptResult{
		InputRequests: mcp.InputRequestMap{
			"user_context": &mcp.ElicitParams{
				Message:         "Please provide context for the prompt",
				RequestedSchema: confFieldSchema("context", "string"),
			},
		},
	}, nil
}

func confTestReconnectionHandler(ctx context.Context, req *mcp.CallToolRequest, _ any) (*mcp.CallToolResult, any, error) {
	// Close the SSE stream to trigger client reconnection (SEP-1699)
	if req.Extra != nil && req.Extra.CloseSSEStream != nil {
		req.Extra.CloseSSEStream(mcp.CloseSSEStreamArgs{RetryAfter: 10 * time.Millisecond})
	}

	// Wait for client to reconnect
	time.Sleep(100 * time.Millisecond)

	return confText("Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.")
}

// =============================================================================
// Resources
// =============================================================================

func confRegisterResources(server *mcp.Server) {
	server.AddResource(&mcp.Resource{
		Name:        "static-text",
		Description: "A static text resource for testing",
		MIMEType:    "text/plain",
		URI:         "test://static-text",
	}, confStaticTextHandler)

	server.AddResource(&mcp.Resource{
		Name:        "static-binary",
		Description: "A static binary resource (image) for testing",
		MIMEType:    "image/png",
		URI:         "test://static-binary",
	}, confStaticBinaryHandler)

	server.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "template",
		Description: "A resource template with parameter substitution",
		MIMEType:    "application/json",
		URITemplate: "test://template/{id}/data",
	}, confTemplateResourceHandler)

	server.AddResource(&mcp.Resource{
		Name:        "watched-resource",
		Description: "A resource that auto-updates every 3 seconds",
		MIMEType:    "text/plain",
		URI:         confWatchedResourceURI,
	}, confWatchedResourceHandler)
}

// confResource is a resources/read result of one content.
func confResource(c *mcp.ResourceContents) (*mcp.ReadResourceResult, error) {
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{c}}, nil
}

func confStaticTextHandler(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	return confResource(&mcp.ResourceContents{URI: req.Params.URI, MIMEType: "text/plain", Text: "This is the content of the static text resource."})
}

func confStaticBinaryHandler(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	return confResource(&mcp.ResourceContents{URI: req.Params.URI, MIMEType: "image/png", Blob: confImageData()})
}

// confTemplatePattern is the compiled URI template for the template resource.
var confTemplatePattern = uritemplate.MustNew("test://template/{id}/data")

func confTemplateResourceHandler(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	// Extract the ID from the URI using the template pattern
	uri := req.Params.URI
	match := confTemplatePattern.Regexp().FindStringSubmatch(uri)
	id := ""
	if len(match) > 1 {
		id = match[1]
	}

	jsonContent := fmt.Sprintf(`{"id": "%s", "templateTest": true, "data": "Data for ID: %s"}`, id, id)
	return confResource(&mcp.ResourceContents{URI: uri, MIMEType: "application/json", Text: jsonContent})
}

func confWatchedResourceHandler(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	return confResource(&mcp.ResourceContents{URI: req.Params.URI, MIMEType: "text/plain", Text: "Watched resource content"})
}

// =============================================================================
// Prompts
// =============================================================================

// confPrompt registers a prompt; title may be "".
func confPrompt(server *mcp.Server, name, title, description string, h mcp.PromptHandler, args ...*mcp.PromptArgument) {
	server.AddPrompt(&mcp.Prompt{Name: name, Title: title, Description: description, Arguments: args}, h)
}

// confArg is a required prompt argument.
func confArg(name, description string) *mcp.PromptArgument {
	return &mcp.PromptArgument{Name: name, Description: description, Required: true}
}

func confRegisterPrompts(server *mcp.Server) {
	confPrompt(server, "test_simple_prompt", "Simple Test Prompt", "A simple prompt without arguments", confSimplePromptHandler)
	confPrompt(server, "test_prompt_with_arguments", "Prompt With Arguments", "A prompt with required arguments", confPromptWithArgumentsHandler,
		confArg("arg1", "First test argument"), confArg("arg2", "Second test argument"))

	confPrompt(server, "test_prompt_with_embedded_resource", "Prompt With Embedded Resource", "A prompt that includes an embedded resource", confPromptWithEmbeddedResourceHandler,
		confArg("resourceUri", "URI of the resource to embed"))

	confPrompt(server, "test_prompt_with_image", "Prompt With Image", "A prompt that includes image content", confPromptWithImageHandler)
	confPrompt(server, "test_input_required_result_prompt", "", "MRTR (SEP-2322): asks for context via an in-band elicitation request", confTestInputRequiredPromptHandler)
}

// confUserPrompt is a prompts/get result: one user message of each content.
func confUserPrompt(description string, content ...mcp.Content) (*mcp.GetPromptResult, error) {
	res := &mcp.GetPromptResult{Description: description}
	for _, c := range content {
		res.Messages = append(res.Messages, &mcp.PromptMessage{Role: "user", Content: c})
	}
	return res, nil
}

func confSimplePromptHandler(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	return confUserPrompt("A simple test prompt", &mcp.TextContent{Text: "This is a simple prompt for testing."})
}

func confPromptWithArgumentsHandler(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	arg1 := req.Params.Arguments["arg1"]
	arg2 := req.Params.Arguments["arg2"]

	return confUserPrompt("A prompt with arguments", &mcp.TextContent{Text: fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", arg1, arg2)})
}

func confPromptWithEmbeddedResourceHandler(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	resourceUri := req.Params.Arguments["resourceUri"]

	return confUserPrompt("A prompt with an embedded resource",
		&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: resourceUri, MIMEType: "text/plain", Text: "Embedded resource content for testing."}},
		&mcp.TextContent{Text: "Please process the embedded resource above."})
}

func confPromptWithImageHandler(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	return confUserPrompt("A prompt with an image",
		&mcp.ImageContent{Data: confImageData(), MIMEType: "image/png"},
		&mcp.TextContent{Text: "Please analyze the image above."})
}

// =============================================================================
// Server handlers
// =============================================================================

func confCompletionHandler(ctx context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
	// Return empty completion - just acknowledging the capability
	return &mcp.CompleteResult{
		Completion: mcp.CompletionResultDetails{
			Values: []string{},
			Total:  0,
		},
	}, nil
}

// =============================================================================
// Helper functions
// =============================================================================

// Base64-encoded minimal test files, copied from the typescript conformance example.
const (
	// Minimal 1x1 red PNG image
	confTestImageBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
	// Minimal WAV audio file (silence)
	confTestAudioBase64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="
)

func confImageData() []byte {
	data, err := base64.StdEncoding.DecodeString(confTestImageBase64)
	if err != nil {
		panic("invalid confTestImageBase64: " + err.Error())
	}
	return data
}

func confAudioData() []byte {
	data, err := base64.StdEncoding.DecodeString(confTestAudioBase64)
	if err != nil {
		panic("invalid confTestAudioBase64: " + err.Error())
	}
	return data
}

// NewServer is the everything-server's main, minus the transport:
// a go-sdk server with its tools, resources and prompts. newSessionID, if
// not nil, names each new session (mcp.ServerOptions.GetSessionID).
func NewServer(newSessionID func() string) *mcp.Server {
	w := &confWatcher{}
	server := mcp.NewServer(&mcp.Implementation{
		Name:    "mcp-conformance-test-server",
		Version: "1.0.0",
	}, &mcp.ServerOptions{
		CompletionHandler:  confCompletionHandler,
		SubscribeHandler:   w.subscribe,
		UnsubscribeHandler: w.unsubscribe,
		GetSessionID:       newSessionID,
	})
	w.server = server
	confRegisterTools(server)
	confRegisterResources(server)
	confRegisterPrompts(server)
	return server
}

// confWatcher runs confWatchedResourceUpdater only while at least one
// client is subscribed: the reference starts it in main for the process's
// life, which would leak a goroutine per test server here.
type confWatcher struct {
	server *mcp.Server
	mu     sync.Mutex
	subs   int
	cancel context.CancelFunc
}

func (w *confWatcher) subscribe(ctx context.Context, req *mcp.SubscribeRequest) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.subs++
	if w.cancel == nil {
		var run context.Context
		run, w.cancel = context.WithCancel(context.Background())
		go confWatchedResourceUpdater(run, w.server)
	}
	return nil
}

func (w *confWatcher) unsubscribe(ctx context.Context, req *mcp.UnsubscribeRequest) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.subs > 0 {
		w.subs--
	}
	if w.subs == 0 && w.cancel != nil {
		w.cancel()
		w.cancel = nil
	}
	return nil
}
