package server_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/stretchr/testify/require"
)

// These helpers drive the real /mcp endpoint (go-sdk behind the bearer
// check and the observer) over HTTP with a bearer token, as a client would.

const protocolVersion = "2025-06-18"

// mcpRequest builds a Streamable HTTP request with the client's headers.
// token, sessionID and body may be empty.
func mcpRequest(t testing.TB, ts *servertest.Server, method, token, sessionID, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+"/mcp", rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if method == http.MethodGet {
		req.Header.Set("Accept", "text/event-stream")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if sessionID != "" {
		req.Header.Set("Mcp-Session-Id", sessionID)
		req.Header.Set("Mcp-Protocol-Version", protocolVersion)
	}
	return req
}

// doMCP sends req and returns the response with its body read (for a
// finite response) and closed.
func doMCP(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	client := &http.Client{Timeout: 20 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const initializeJSON = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + protocolVersion + `","capabilities":{},"clientInfo":{"name":"mcpvcr-security-test","version":"0"}}}`

// initializeMCP runs initialize and notifications/initialized with token
// and returns the session id.
func initializeMCP(t testing.TB, ts *servertest.Server, token string) string {
	t.Helper()
	resp, body := doMCP(t, mcpRequest(t, ts, http.MethodPost, token, "", initializeJSON))
	require.Equal(t, http.StatusOK, resp.StatusCode, "initialize: %s", body)
	require.Contains(t, body, `"protocolVersion"`, "initialize result")
	sid := resp.Header.Get("Mcp-Session-Id")
	require.NotEmpty(t, sid, "Mcp-Session-Id")
	ack, body := doMCP(t, mcpRequest(t, ts, http.MethodPost, token, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	require.Equal(t, http.StatusAccepted, ack.StatusCode, "notifications/initialized: %s", body)
	return sid
}

// toolsList sends tools/list in session sid and returns status and body.
func toolsList(t testing.TB, ts *servertest.Server, token, sid string) (int, string) {
	t.Helper()
	resp, body := doMCP(t, mcpRequest(t, ts, http.MethodPost, token, sid, `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`))
	return resp.StatusCode, body
}

// registeredToken registers a public client with a loopback callback, runs
// the code flow for it and returns its client_id and tokens.
func registeredToken(t testing.TB, ts *servertest.Server) (string, servertest.TokenResponse) {
	t.Helper()
	const cb = "http://127.0.0.1:9/callback" // never contacted: the code is read from Location
	resp, err := http.Post(ts.URL+"/register", "application/json", strings.NewReader(`{"redirect_uris":["`+cb+`"],"token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"],"client_name":"other"}`))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "register: %s", b)
	id := jsonField(t, b, "client_id")
	p := servertest.NewPKCE()
	params := servertest.AuthorizeParams(p)
	params.Set("client_id", id)
	params.Set("redirect_uri", cb)
	ar, loc := ts.Authorize(t, params)
	require.Equal(t, http.StatusFound, ar.StatusCode)
	code := loc.Query().Get("code")
	require.NotEmpty(t, code, "redirect %s", loc)
	tr := ts.PostToken(t, "/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {cb}, "client_id": {id}, "code_verifier": {p.Verifier}}, "", "")
	require.Equal(t, http.StatusOK, tr.Status, tr.ErrorDescription)
	return id, tr
}

// sseFirstData reads SSE lines from r until the first event's data line.
func sseFirstData(t testing.TB, r io.Reader) string {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
			return strings.TrimSpace(d)
		}
	}
	t.Fatalf("SSE stream ended before a data line: %v", sc.Err())
	return ""
}

func jsonField(t testing.TB, body []byte, field string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "body %q", body)
	s, _ := m[field].(string)
	return s
}
