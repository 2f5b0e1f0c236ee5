package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/internal/h2raw"
	"github.com/mcpvcr/mcpvcr/mcpvcrtest"
	"github.com/mcpvcr/mcpvcr/oauthclient"
)

// client is a step-by-step MCP client: each script command sends one HTTP
// request, as the seed's curl walk-through did, so a scenario controls the
// order, the framing and the timing of every step.
type client struct {
	name string

	mu          sync.Mutex
	token       string
	refresh     string
	session     string
	protocol    string
	nextID      int
	lastEventID string // the last SSE id seen on any of its streams
}

func (c *client) get() (token, session, protocol string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.session, c.protocol
}

// oauth is the kit's OAuth client as the seed's curl walk-through used
// it: the built-in public client claude-desktop, every endpoint under base
// (the hop the script names), no discovery.
func oauth(base string) *mcpvcrtest.OAuthClient {
	return &mcpvcrtest.OAuthClient{Issuer: base, ClientID: "claude-desktop", RedirectURI: mcpvcrtest.ClaudeCallback, Scope: "claudeai"}
}

// getToken runs authorize (auto-approved) and the code exchange for
// claude-desktop against base, with a real S256 PKCE pair.
func (c *client) getToken(base string) error {
	ctx := context.Background()
	p := mcpvcrtest.NewPKCE()
	o := oauth(base)
	code, err := o.Authorize(ctx, p, "teststate")
	if err != nil {
		return err
	}
	tok, err := o.Exchange(ctx, code, p)
	return c.keep(tok, err)
}

// refreshToken trades the refresh token for a new access token.
func (c *client) refreshToken(base string) error {
	c.mu.Lock()
	rt := c.refresh
	c.mu.Unlock()
	if rt == "" {
		return errors.New("no refresh token: run `token` first")
	}
	return c.keep(oauth(base).Refresh(context.Background(), rt))
}

func (c *client) keep(tok *oauthclient.Token, err error) error {
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token, c.refresh = tok.AccessToken, tok.RefreshToken
	return nil
}

// request is one HTTP request a client sends.
type request struct {
	name      string // stream name; "" = next sN
	method    string
	base      string
	path      string
	body      []byte
	chunked   bool // no Content-Length: the body goes chunked
	h2c       bool // HTTP/2 with prior knowledge, every header as given (h2raw)
	header    http.Header
	rpcMethod string
}

// stream is one HTTP exchange a client sent, read by the kit
// (mcpvcrtest.Stream) into a timeline so the harness's lifetime
// assertions apply.
type stream struct {
	*mcpvcrtest.Stream
	name      string
	rpcMethod string
}

// send starts req in the background and returns its stream at once.
func (w *world) send(c *client, req request) (*stream, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
		if req.chunked {
			body = io.MultiReader(body) // unknown length: Transfer-Encoding: chunked
		}
	}
	hr, err := http.NewRequest(req.method, req.base+req.path, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range req.header {
		hr.Header[k] = vs
	}
	s := &stream{name: req.name, rpcMethod: req.rpcMethod}
	if err := w.addStream(s); err != nil {
		return nil, err
	}
	w.mu.Lock()
	interaction := len(w.order)
	w.mu.Unlock()
	var newTransport func(dial func(ctx context.Context, network, addr string) (net.Conn, error)) http.RoundTripper
	if req.h2c {
		newTransport = func(dial func(ctx context.Context, network, addr string) (net.Conn, error)) http.RoundTripper {
			return &h2raw.Transport{DialContext: dial}
		}
	}
	s.Stream = mcpvcrtest.OpenStream(hr, &mcpvcrtest.StreamOptions{
		Interaction:  interaction,
		NewTransport: newTransport,
		OnHeaders: func(resp *http.Response) {
			if id := resp.Header.Get("Mcp-Session-Id"); id != "" && req.rpcMethod == "initialize" && resp.StatusCode < 300 {
				c.mu.Lock()
				c.session = id
				c.mu.Unlock()
			}
		},
		OnEvent: func(ev harness.SSEEvent) {
			if ev.ID != "" {
				c.mu.Lock()
				c.lastEventID = ev.ID
				c.mu.Unlock()
			}
		},
	})
	return s, nil
}

// ended is a Wait condition: the stream's body has ended.
func ended(st *mcpvcrtest.StreamState) bool { return st.Ended }

func (s *stream) describe() string {
	return fmt.Sprintf("stream %s: %s", s.name, s.String())
}

// dataEvents returns the stream's SSE events that are not comments.
func (s *stream) dataEvents() []harness.SSEEvent {
	st := s.State()
	return st.DataEvents()
}
