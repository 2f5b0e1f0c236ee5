package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// docServer serves a client ID metadata document over TLS on loopback, as
// a client hosts one; its URL is the client_id. The Server under test is
// told to trust the test certificate (and only for this fetch).
type docServer struct {
	*httptest.Server
	fetches atomic.Int32
	serve   func(w http.ResponseWriter, r *http.Request, url string)
}

func startDocServer(t *testing.T, s *testMCPServer, serve func(w http.ResponseWriter, r *http.Request, url string)) *docServer {
	t.Helper()
	d := &docServer{serve: serve}
	d.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.fetches.Add(1)
		d.serve(w, r, d.URL+r.URL.Path)
	}))
	t.Cleanup(d.Close)
	hc := d.Client()
	hc.CheckRedirect = s.srv.oauth.cimd.http.CheckRedirect
	s.srv.oauth.cimd.http = hc
	return d
}

// serveDoc answers with the metadata document doc (client_id filled in).
func serveDoc(doc map[string]any) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, r *http.Request, url string) {
		if _, ok := doc["client_id"]; !ok {
			doc["client_id"] = url
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	}
}

// TestCIMDGoSDKClient: go-sdk's client at 2026-07-28 with a client ID
// metadata document instead of a registration (it prefers the document
// whenever the metadata advertises support) completes OAuth and calls
// whoami, whose client id is the document's URL; the document is fetched
// once for the whole sign-in.
func TestCIMDGoSDKClient(t *testing.T) {
	s := startMCPServer(t, Config{AutoApprove: true}, nil)
	const redirect = "http://127.0.0.1:1/callback"
	docs := startDocServer(t, s, serveDoc(map[string]any{
		"client_name":                "CIMD test client",
		"redirect_uris":              []string{redirect},
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"token_endpoint_auth_method": "none",
	}))
	clientID := docs.URL + "/oauth/client.json"
	oauth, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		ClientIDMetadataDocumentConfig: &auth.ClientIDMetadataDocumentConfig{URL: clientID},
		RedirectURL:                    redirect,
		AuthorizationCodeFetcher:       oauthclient.HeadlessConsent(nil),
	})
	if err != nil {
		t.Fatalf("NewAuthorizationCodeHandler: %v", err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "cimd-test", Version: "0"}, nil)
	cs, err := client.Connect(t.Context(), &mcp.StreamableClientTransport{Endpoint: s.URL + "/mcp", HTTPClient: s.Client(), OAuthHandler: oauth}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
	if err != nil {
		t.Fatalf("tools/call whoami: %v", err)
	}
	checkWhoami(t, res.Content[0].(*mcp.TextContent).Text, Whoami{ClientID: clientID, Subject: localSubject, Scopes: []string{"mcp"}, Audience: s.URL + "/mcp"})
	if n := docs.fetches.Load(); n != 1 {
		t.Errorf("document fetched %d times, want 1 (cached for the sign-in)", n)
	}
	s.markers.waitMarker(t, markers.OAuthClientMetadata, "client_id="+clientID)
	for _, e := range s.markers.snapshot() {
		if e.Name == markers.OAuthClientRegistered {
			t.Errorf("a CIMD client registered: %s", e)
		}
	}
}

// TestASMetadataAdvertisesCIMD: clients use CIMD only when the metadata
// says so; DCR stays advertised for the older ones.
func TestASMetadataAdvertisesCIMD(t *testing.T) {
	s := startMCPServer(t, Config{}, nil)
	resp, err := s.Client().Get(s.URL + pathASMetadata)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var md map[string]any
	json.NewDecoder(resp.Body).Decode(&md)
	if md["client_id_metadata_document_supported"] != true {
		t.Errorf("client_id_metadata_document_supported = %v, want true", md["client_id_metadata_document_supported"])
	}
	if md["registration_endpoint"] != s.URL+pathRegister {
		t.Errorf("registration_endpoint = %v, want %s (DCR kept)", md["registration_endpoint"], s.URL+pathRegister)
	}
}

// TestCIMDRefusesUntrustedInput: the client_id URL and the document are
// the client's; each of these is refused with invalid_client and a reason,
// most before anything is fetched.
func TestCIMDRefusesUntrustedInput(t *testing.T) {
	const redirect = "http://127.0.0.1:1/callback"
	good := func() map[string]any {
		return map[string]any{"client_name": "x", "redirect_uris": []string{redirect}}
	}
	with := func(k string, v any) map[string]any { d := good(); d[k] = v; return d }
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	for _, tt := range []struct {
		name      string
		path      string // appended to the document server's URL, unless id is set
		id        string
		serve     func(http.ResponseWriter, *http.Request, string)
		want      string
		noFetch   bool
		shortWait bool
	}{
		{name: "http on a public host", id: "http://example.com/client.json", want: "must be https", noFetch: true},
		{name: "no path", id: "https://127.0.0.1:1", want: "must have a path", noFetch: true},
		{name: "root path", id: "https://127.0.0.1:1/", want: "must have a path", noFetch: true},
		{name: "userinfo", id: "https://user:pw@127.0.0.1:1/c.json", want: "username or password", noFetch: true},
		{name: "fragment", id: "https://127.0.0.1:1/c.json#x", want: "fragment", noFetch: true},
		{name: "dot segment", id: "https://127.0.0.1:1/a/../c.json", want: ". or ..", noFetch: true},
		{name: "too long", id: "https://127.0.0.1:1/" + strings.Repeat("a", 2100), want: "longer than 2048", noFetch: true},
		{name: "not its own client_id", path: "/c.json", serve: serveDoc(with("client_id", "https://other.example/c.json")), want: "is not its own URL"},
		{name: "a client secret", path: "/c.json", serve: serveDoc(with("client_secret", "s3cret")), want: "client_secret"},
		{name: "secret auth method", path: "/c.json", serve: serveDoc(with("token_endpoint_auth_method", "client_secret_basic")), want: "public (none)"},
		{name: "no redirect_uris", path: "/c.json", serve: serveDoc(map[string]any{"client_name": "x"}), want: "no redirect_uris"},
		{name: "bad redirect URI", path: "/c.json", serve: serveDoc(with("redirect_uris", []string{"http://evil.example/cb"})), want: "loopback"},
		{name: "unknown grant", path: "/c.json", serve: serveDoc(with("grant_types", []string{"password"})), want: "grant type password"},
		{name: "not found", path: "/c.json", serve: func(w http.ResponseWriter, _ *http.Request, _ string) { http.NotFound(w, nil) }, want: "answered 404"},
		{name: "not JSON", path: "/c.json", serve: func(w http.ResponseWriter, _ *http.Request, _ string) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>")
		}, want: "Content-Type text/html"},
		{name: "redirect", path: "/c.json", serve: func(w http.ResponseWriter, r *http.Request, _ string) {
			http.Redirect(w, r, "/other.json", http.StatusFound)
		}, want: "redirects are not followed"},
		{name: "too large", path: "/c.json", serve: func(w http.ResponseWriter, _ *http.Request, url string) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"client_id":%q,"redirect_uris":[%q],"client_name":%q}`, url, redirect, strings.Repeat("a", cimdMaxBytes))
		}, want: fmt.Sprintf("larger than %d bytes", cimdMaxBytes)},
		{name: "never answers", path: "/c.json", serve: func(w http.ResponseWriter, r *http.Request, _ string) {
			select {
			case <-r.Context().Done():
			case <-block:
			}
		}, want: "no answer within", shortWait: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startMCPServer(t, Config{AutoApprove: true}, nil)
			serve := tt.serve
			if serve == nil {
				serve = serveDoc(good())
			}
			docs := startDocServer(t, s, serve)
			if tt.shortWait {
				s.srv.oauth.cimd.timeout = 50 * time.Millisecond // the bound under test, not a sleep
			}
			id := tt.id
			if id == "" {
				id = docs.URL + tt.path
			}
			q := url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {redirect},
				"code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S256"}}
			resp, err := s.Client().Get(s.URL + pathAuthorize + "?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode < 400 {
				t.Fatalf("authorize answered %d, want a refusal", resp.StatusCode)
			}
			failed := s.markers.waitMarker(t, markers.OAuthAuthorizeFailed, "invalid_client")
			if !strings.Contains(failed.Detail, tt.want) {
				t.Errorf("refusal = %q, want it to say %q", failed.Detail, tt.want)
			}
			if n := docs.fetches.Load(); tt.noFetch && n != 0 {
				t.Errorf("fetched %d times, want no fetch for a URL of the wrong shape", n)
			}
		})
	}
}
