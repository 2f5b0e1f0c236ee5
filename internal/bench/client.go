package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/oauthclient"
)

// Era is the MCP protocol generation a bench client speaks.
type Era string

const (
	// Era2025 is 2025-11-25: initialize, a session id on every request.
	Era2025 Era = "2025-11-25"
	// Era2026 is 2026-07-28: no session, `_meta` and Mcp-Method/Mcp-Name
	// headers on every request.
	Era2026 Era = "2026-07-28"
)

// client is a minimal MCP client over one keep-alive connection: a
// closed-loop load generator must cost the server nothing it would not pay
// for a real client, and cost little itself.
type client struct {
	http    *http.Client
	mcpURL  string
	token   string
	era     Era
	session string
	id      int
}

func newClient(mcpURL string, era Era, token string) *client {
	t := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true}
	return &client{http: &http.Client{Transport: t, Timeout: 30 * time.Second}, mcpURL: mcpURL, token: token, era: era}
}

func (c *client) close() {
	if c.session != "" {
		req, _ := http.NewRequest(http.MethodDelete, c.mcpURL, nil)
		c.headers(req, "", "")
		if resp, err := c.http.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	c.http.CloseIdleConnections()
}

// open starts a 2025 session (initialize, then notifications/initialized);
// a 2026 client has nothing to open.
func (c *client) open(ctx context.Context) error {
	if c.era == Era2026 {
		return nil
	}
	init := fmt.Sprintf(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":%q,"capabilities":{},"clientInfo":{"name":"mcpvcr-bench","version":"1"}}}`, c.era)
	resp, body, err := c.post(ctx, "initialize", "", init)
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("initialize: %s: %.200s", resp.Status, body)
	}
	c.session = resp.Header.Get("Mcp-Session-Id")
	resp, body, err = c.post(ctx, "notifications/initialized", "", `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if err != nil {
		return fmt.Errorf("notifications/initialized: %w", err)
	}
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("notifications/initialized: %s: %.200s", resp.Status, body)
	}
	return nil
}

// callTool runs tools/call name with no arguments and checks it has a result.
func (c *client) callTool(ctx context.Context, name string) error {
	c.id++
	meta := ""
	if c.era == Era2026 {
		meta = fmt.Sprintf(`,"_meta":{"io.modelcontextprotocol/protocolVersion":%q,"io.modelcontextprotocol/clientInfo":{"name":"mcpvcr-bench","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`, c.era)
	}
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}%s}}`, c.id, name, meta)
	resp, out, err := c.post(ctx, "tools/call", name, body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(`"result"`)) {
		return fmt.Errorf("tools/call %s: %s: %.200s", name, resp.Status, out)
	}
	return nil
}

func (c *client) post(ctx context.Context, method, name, body string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.mcpURL, strings.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	c.headers(req, method, name)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp, out, err
}

func (c *client) headers(req *http.Request, method, name string) {
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", string(c.era))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	if c.era == Era2026 && method != "" {
		req.Header.Set("Mcp-Method", method)
		if name != "" {
			req.Header.Set("Mcp-Name", name)
		}
	}
}

// token gets an access token from our server's OAuth flow (discovery,
// DCR, PKCE S256, an auto-approved authorize, the code exchange) for
// resource.
func token(ctx context.Context, base, resource string) (string, error) {
	c := &oauthclient.Client{Issuer: base, ClientName: "mcpvcr-bench", Resource: resource}
	tok, err := c.Token(ctx)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}
