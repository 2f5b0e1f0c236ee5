package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Lifetimes of what the authorization server issues. The access token TTL is
// the seed's ("Stored in Redis with 3600s TTL").
const (
	accessTokenTTL  = 3600 * time.Second
	refreshTokenTTL = 30 * 24 * time.Hour
	// codeTTL is long enough to paste a code by hand in the curl
	// walk-through, well under RFC 6749 §4.1.2's ten-minute maximum.
	codeTTL    = 5 * time.Minute
	consentTTL = 10 * time.Minute
)

// Paths of the authorization server's endpoints.
const (
	pathASMetadata  = "/.well-known/oauth-authorization-server"
	pathPRM         = "/.well-known/oauth-protected-resource"
	pathRegister    = "/register"
	pathAuthorize   = "/authorize"
	pathToken       = "/token"
	pathRevoke      = "/revoke"
	defaultResource = "/mcp" // the MCP endpoint, the resource most clients ask for
)

// protectedPaths are the resource paths that get their own path-inserted
// protected resource metadata (RFC 9728 §3.1): /mcp (Streamable HTTP) and
// /sse (the 2024-11-05 transport).
var protectedPaths = []string{"/mcp", "/sse"}

// authServer is the authorization server's state: the Redis store and the
// static clients.
type authServer struct {
	store      *store
	static     map[string]*client
	unanswered *unansweredRotations // refresh rotations answered 503 (oauth_unanswered.go)
	cimd       *cimdClients         // client ID metadata documents (oauth_cimd.go)
	live       liveRequests         // protected requests in flight, ended on revocation (oauth_live_requests.go)
}

// routeOAuth mounts the authorization server's endpoints and the protected
// resource metadata.
func (s *Server) routeOAuth(mux *http.ServeMux) error {
	if err := s.checkExposureConfig(); err != nil {
		return err
	}
	iu, err := url.Parse(s.cfg.Issuer)
	if err != nil || !iu.IsAbs() || iu.Host == "" {
		return fmt.Errorf("issuer %q is not an absolute URL", s.cfg.Issuer)
	}
	if iu.Path != "" || iu.RawQuery != "" || iu.Fragment != "" {
		// RFC 8414 allows a path, but then every endpoint would live under
		// it; mcpvcr serves at the root (put a tunnel or proxy in front).
		return fmt.Errorf("issuer %q: must be scheme://host[:port] without a path", s.cfg.Issuer)
	}
	static := map[string]*client{}
	for _, sc := range append([]StaticClient{ClaudeDesktop}, s.cfg.Clients...) {
		c, err := newStaticClient(sc)
		if err != nil {
			return err
		}
		static[c.ID] = c // a configured client may replace claude-desktop
	}
	st, err := newStore(s.cfg)
	if err != nil {
		return err
	}
	s.oauth = &authServer{store: st, static: static, unanswered: newUnansweredRotations(), cimd: newCIMDClients()}
	st.onRevokeGrant = func(family string) { s.oauth.live.endGrant(family, "") }

	mux.HandleFunc(pathASMetadata, s.handleASMetadata)
	mux.HandleFunc(pathPRM, s.handlePRM)
	mux.HandleFunc(pathPRM+"/", s.handlePRM)
	mux.Handle(pathRegister, s.boundBodyRead(http.HandlerFunc(s.handleRegister)))
	mux.Handle(pathAuthorize, s.boundBodyRead(http.HandlerFunc(s.handleAuthorize)))
	mux.Handle(pathToken, s.boundBodyRead(http.HandlerFunc(s.handleToken)))
	mux.Handle(pathRevoke, s.boundBodyRead(http.HandlerFunc(s.handleRevoke)))
	return nil
}

// bodyReadTimeout bounds how long an OAuth endpoint waits for its small
// request body (scaled by the time scale, but never under
// minBodyReadTimeout: a tunnel profile's bandwidth limit is not scaled,
// and a fast world must not cut honest bodies). Without it a client
// sending one byte every 3 s held /register, /token and /revoke for 45 s
// and more. The MCP endpoints are not wrapped: their SSE responses must
// outlive any read deadline.
const (
	bodyReadTimeout    = 10 * time.Second
	minBodyReadTimeout = time.Second
)

// boundBodyRead sets a read deadline on the connection for the request
// body (net/http resets it for the next request on the connection).
func (s *Server) boundBodyRead(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			http.NewResponseController(w).SetReadDeadline(time.Now().Add(max(s.cfg.scaled(bodyReadTimeout), minBodyReadTimeout)))
		}
		h.ServeHTTP(w, r)
	})
}

// closeOAuth closes the Redis client (and the in-process miniredis).
func (s *Server) closeOAuth() error {
	if s.oauth == nil {
		return nil
	}
	return s.oauth.store.close()
}

// logValue returns a request value for a marker detail: as is when it is
// plain printable ASCII without spaces (the seed's `client_id=claude-desktop`),
// else Go-quoted, so a client_id holding "\n=== AUTH SUCCESS ===" cannot
// forge a marker line.
func logValue(v string) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f || c == '"' {
			return strconv.Quote(v)
		}
	}
	return v
}
