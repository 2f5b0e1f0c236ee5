// Package harnesstest provides a small MCP server behind an OAuth-like front
// and a go-sdk client session, for the harness tests that need a server
// the real one is not: one told to answer differently (Options.Greeting,
// so a replay differs in exactly one value), or shaped differently (no
// auth, JSON responses, stateless), or one that lists every secret it
// issued (Server.Issued). Tests of the harness against the real server use
// server/servertest and internal/fixtureclients.
//
//	srv := harnesstest.NewServer(nil)
//	defer srv.Close()
//	err := harnesstest.RunSession(ctx, srv.URL)
package harnesstest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// Server is a small MCP server behind an OAuth-like front, shaped after
// go-sdk's internal/oauthtest: metadata, DCR, authorize (auto-approved,
// PKCE S256), token (code and refresh grants), and go-sdk's Streamable HTTP
// handler with a tool and a notification, behind auth.RequireBearerToken.
// Every secret it hands out is random, so two instances share none, and
// all of them are kept in issued so a test can look for them on disk.
type Server struct {
	*httptest.Server

	opts    Options
	mu      sync.Mutex
	clients map[string]testClient
	codes   map[string]string // code -> challenge
	tokens  map[string]bool
	issued  []string
}

// Options configures NewServer. Nil means defaults.
type Options struct {
	// Greeting prefixes the greet tool's answer ("hello " by default):
	// change it to make a replay differ.
	Greeting string
	// AuthOff serves /mcp without the bearer check (the OAuth endpoints
	// stay, unused).
	AuthOff bool
	// Streamable are go-sdk's handler options (JSONResponse, Stateless).
	Streamable *mcp.StreamableHTTPOptions
}

type testClient struct {
	secret    string
	redirects []string
}

// NewServer starts a fresh instance. The caller should call Close when
// finished.
func NewServer(opts *Options) *Server {
	s := &Server{clients: map[string]testClient{}, codes: map[string]string{}, tokens: map[string]bool{}}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Greeting == "" {
		s.opts.Greeting = "hello "
	}
	s.Server = httptest.NewUnstartedServer(s.handler())
	s.Start()
	return s
}

// Start starts a fresh instance closed at the end of the test.
func Start(t testing.TB, opts *Options) *Server {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

func (s *Server) secret() string {
	v := rand.Text()
	s.mu.Lock()
	s.issued = append(s.issued, v)
	s.mu.Unlock()
	return v
}

// Issued returns every secret the server has handed out.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	prm := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, &oauthex.ProtectedResourceMetadata{
			Resource:             s.URL + "/mcp",
			AuthorizationServers: []string{s.URL},
		})
	}
	mux.HandleFunc("GET /.well-known/oauth-protected-resource", prm)
	mux.HandleFunc("GET /.well-known/oauth-protected-resource/mcp", prm)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, &oauthex.AuthServerMeta{
			Issuer:                                     s.URL,
			AuthorizationEndpoint:                      s.URL + "/authorize",
			TokenEndpoint:                              s.URL + "/token",
			RegistrationEndpoint:                       s.URL + "/register",
			ResponseTypesSupported:                     []string{"code"},
			GrantTypesSupported:                        []string{"authorization_code", "refresh_token"},
			CodeChallengeMethodsSupported:              []string{"S256"},
			TokenEndpointAuthMethodsSupported:          []string{"client_secret_post"},
			AuthorizationResponseIssParameterSupported: true,
		})
	})
	mux.HandleFunc("POST /register", func(w http.ResponseWriter, r *http.Request) {
		var md oauthex.ClientRegistrationMetadata
		if err := json.NewDecoder(r.Body).Decode(&md); err != nil {
			http.Error(w, "bad registration", http.StatusBadRequest)
			return
		}
		id, secret := s.secret(), s.secret()
		s.mu.Lock()
		s.clients[id] = testClient{secret: secret, redirects: md.RedirectURIs}
		s.mu.Unlock()
		md.TokenEndpointAuthMethod = "client_secret_post"
		writeJSON(w, http.StatusCreated, &oauthex.ClientRegistrationResponse{ClientID: id, ClientSecret: secret, ClientRegistrationMetadata: md})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		s.mu.Lock()
		c, ok := s.clients[q.Get("client_id")]
		s.mu.Unlock()
		switch {
		case !ok:
			http.Error(w, "unknown client_id", http.StatusBadRequest)
			return
		case !slices.Contains(c.redirects, q.Get("redirect_uri")):
			http.Error(w, "bad redirect_uri", http.StatusBadRequest)
			return
		case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
			http.Error(w, "PKCE S256 required", http.StatusBadRequest)
			return
		}
		code := s.secret()
		s.mu.Lock()
		s.codes[code] = q.Get("code_challenge")
		s.mu.Unlock()
		http.Redirect(w, r, fmt.Sprintf("%s?code=%s&state=%s&iss=%s", q.Get("redirect_uri"), code, url.QueryEscape(q.Get("state")), url.QueryEscape(s.URL)), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if c, ok := s.clients[id]; !ok || c.secret != secret {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		switch r.Form.Get("grant_type") {
		case "authorization_code":
			challenge, ok := s.codes[r.Form.Get("code")]
			delete(s.codes, r.Form.Get("code")) // single use
			sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
			if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
				http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
				return
			}
		case "refresh_token":
			if !s.tokens[r.Form.Get("refresh_token")] {
				http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
				return
			}
		default:
			http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
			return
		}
		access, refresh := rand.Text(), rand.Text()
		s.issued = append(s.issued, access, refresh)
		s.tokens[access], s.tokens[refresh] = true, true
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": 3600, "refresh_token": refresh})
	})

	srv := mcp.NewServer(&mcp.Implementation{Name: "harness-test-server", Version: "1.0.0"}, nil)
	type greetIn struct {
		Name string `json:"name"`
	}
	mcp.AddTool(srv, &mcp.Tool{Name: "greet", Description: "say hello"}, func(ctx context.Context, req *mcp.CallToolRequest, in greetIn) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s.opts.Greeting + in.Name}}}, nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "add_tool", Description: "adds a tool; every session is told on its listen stream"}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		mcp.AddTool(srv, &mcp.Tool{Name: "extra"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{}, nil, nil
		})
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "added"}}}, nil, nil
	})
	verify := func(ctx context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.tokens[token] {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{Expiration: time.Now().Add(time.Hour)}, nil
	}
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, s.opts.Streamable)
	mux.Handle("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ResourceMetadataURL needs s.URL, known only once started.
		var protected http.Handler = mcpHandler
		if !s.opts.AuthOff {
			protected = auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{ResourceMetadataURL: s.URL + "/.well-known/oauth-protected-resource/mcp"})(mcpHandler)
		}
		protected.ServeHTTP(w, r)
	}))
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// RunSession runs the session the harness tests record: go-sdk's
// client with its OAuth authorization-code handler (PRM discovery, DCR,
// PKCE), initialize, the listen stream, tools/list, two tool calls, a
// tools/list_changed notification on the listen stream, and a clean close.
func RunSession(ctx context.Context, base string) error {
	return RunSessionWith(ctx, base, nil)
}

// SessionOptions configures RunSessionWith. Nil means defaults.
type SessionOptions struct {
	// NoNotification skips waiting for tools/list_changed: a stateless
	// server has no listen stream to send it on.
	NoNotification bool
}

// RunSessionWith is RunSession with options.
func RunSessionWith(ctx context.Context, base string, opts *SessionOptions) error {
	if opts == nil {
		opts = &SessionOptions{}
	}
	oauth, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			ClientName: "harness-test", RedirectURIs: []string{"http://127.0.0.1/callback"},
		}},
		RedirectURL:              "http://127.0.0.1/callback",
		AuthorizationCodeFetcher: oauthclient.HeadlessConsent(nil),
	})
	if err != nil {
		return err
	}
	changed := make(chan struct{}, 1)
	client := mcp.NewClient(&mcp.Implementation{Name: "harness-recorded-client", Version: "0.1.0"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
			select {
			case changed <- struct{}{}:
			default:
			}
		},
	})
	// 2025-11-25: the session flow (go-sdk v1.8.0 defaults to 2026-07-28).
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/mcp", OAuthHandler: oauth}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer cs.Close()
	if _, err := cs.ListTools(ctx, nil); err != nil {
		return fmt.Errorf("tools/list: %w", err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "greet", Arguments: map[string]any{"name": "vcr"}})
	if err != nil {
		return fmt.Errorf("greet: %w", err)
	}
	if res.IsError {
		return fmt.Errorf("greet: tool error %+v", res.Content)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "add_tool"}); err != nil {
		return fmt.Errorf("add_tool: %w", err)
	}
	if !opts.NoNotification {
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("no tools/list_changed notification on the listen stream: %w", ctx.Err())
		}
	}
	if err := cs.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}
