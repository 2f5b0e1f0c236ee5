package harness

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

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// testServer is a small MCP server behind an OAuth-like front, shaped after
// go-sdk's internal/oauthtest: metadata, DCR, authorize (auto-approved,
// PKCE S256), token (code and refresh grants), and go-sdk's Streamable HTTP
// handler with a tool and a notification, behind auth.RequireBearerToken.
// Every secret it hands out is random, so two instances share none, and
// all of them are kept in issued so a test can look for them on disk.
type testServer struct {
	*httptest.Server

	mu      sync.Mutex
	clients map[string]testClient
	codes   map[string]string // code -> challenge
	tokens  map[string]bool
	issued  []string
}

type testClient struct {
	secret    string
	redirects []string
}

// startTestServer starts a fresh instance, closed at the end of the test.
func startTestServer(t testing.TB) *testServer {
	t.Helper()
	s := &testServer{clients: map[string]testClient{}, codes: map[string]string{}, tokens: map[string]bool{}}
	s.Server = httptest.NewUnstartedServer(s.handler())
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) secret() string {
	v := rand.Text()
	s.mu.Lock()
	s.issued = append(s.issued, v)
	s.mu.Unlock()
	return v
}

// Issued returns every secret the server has handed out.
func (s *testServer) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

func (s *testServer) handler() http.Handler {
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
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "hello " + in.Name}}}, nil, nil
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
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	mux.Handle("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// ResourceMetadataURL needs s.URL, known only once started.
		auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{ResourceMetadataURL: s.URL + "/.well-known/oauth-protected-resource/mcp"})(mcpHandler).ServeHTTP(w, r)
	}))
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// runGoSDKSession runs the session the harness tests record: go-sdk's
// client with its OAuth authorization-code handler (PRM discovery, DCR,
// PKCE), initialize, the listen stream, tools/list, two tool calls, a
// tools/list_changed notification on the listen stream, and a clean close.
func runGoSDKSession(t testing.TB, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	fetch := func(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, args.URL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			return nil, fmt.Errorf("authorize: %s: %w", resp.Status, err)
		}
		q := loc.Query()
		return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
	}
	oauth, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{Metadata: &oauthex.ClientRegistrationMetadata{
			ClientName: "harness-test", RedirectURIs: []string{"http://127.0.0.1/callback"},
		}},
		RedirectURL:              "http://127.0.0.1/callback",
		AuthorizationCodeFetcher: fetch,
	})
	if err != nil {
		t.Fatal(err)
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
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/mcp", OAuthHandler: oauth}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "greet", Arguments: map[string]any{"name": "vcr"}})
	if err != nil || res.IsError {
		t.Fatalf("greet: %v %+v", err, res)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "add_tool"}); err != nil {
		t.Fatalf("add_tool: %v", err)
	}
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatal("no tools/list_changed notification on the listen stream")
	}
	if err := cs.Close(); err != nil {
		t.Logf("close: %v", err)
	}
}
