package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server/conformance"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpEndpoints is the MCP side of the server: go-sdk's Streamable HTTP and
// legacy SSE handlers behind the observer, the bearer check and inspect.
type mcpEndpoints struct {
	cfg            Config
	log            *Logger
	faults         Faults
	authOff        bool
	issuerHost     string // host:port of the issuer URL
	issuerHostname string // host of the issuer URL, without port
	state          SessionState
	server         *mcp.Server
	streamable     *mcp.StreamableHTTPHandler // 2025-11-25 and older: sessions
	stateless      *mcp.StreamableHTTPHandler // 2026-07-28: no sessions (mcp_era.go)
	sse            *mcp.SSEHandler
	observers      sync.Map      // observerHeader value -> *observedWriter
	owners         sessionOwners // session id -> OAuth client (mcp_session_owner.go)
	calls          sessionCalls  // session id -> in-flight calls (mcp_session_calls.go)
	lost           lostRequests  // 2026-07-28 calls broken streams lost (mcp_era_markers.go)
}

// routeMCP mounts /mcp (Streamable HTTP: POST, GET listen stream, DELETE)
// and /sse (the legacy 2024-11-05 HTTP+SSE transport: GET opens the stream
// whose `endpoint` event names where to POST).
func (s *Server) routeMCP(mux *http.ServeMux) error {
	e, err := newMCPEndpoints(s.cfg, s.log, NewMemorySessionState())
	if err != nil {
		return err
	}
	s.mcp = e
	protect := s.requireBearer
	if s.cfg.AuthOff {
		protect = func(h http.Handler) http.Handler { return h }
		s.log.Mark(context.Background(), markers.Critical, "AUTH OFF: /mcp and /sse accept requests without a bearer token. --auth off exists only for the conformance suite; never expose this server")
	}
	for _, line := range e.faultLines() {
		s.log.Mark(context.Background(), markers.FaultActive, "%s", line)
	}
	mux.Handle("/mcp", corsMCP(e.observe(protect(e.bindSession(e.inspect(http.HandlerFunc(e.serveMCP)))))))
	mux.Handle("/sse", e.observe(protect(e.bindSession(e.inspect(e.sse)))))
	return nil
}

func newMCPEndpoints(cfg Config, log *Logger, state SessionState) (*mcpEndpoints, error) {
	if err := cfg.Faults.err; err != nil {
		return nil, err // a bad value given to FaultsOf
	}
	server, err := newMCPServer(cfg, state)
	if err != nil {
		return nil, err
	}
	e := &mcpEndpoints{
		cfg:     cfg,
		log:     log,
		faults:  cfg.Faults,
		authOff: cfg.AuthOff,
		state:   state,
		server:  server,
	}
	if u, err := url.Parse(cfg.Issuer); err == nil {
		e.issuerHost, e.issuerHostname = u.Host, u.Hostname()
	}
	server.AddReceivingMiddleware(e.commitEarlyMiddleware, e.cancelOnDeleteMiddleware)
	getServer := func(*http.Request) *mcp.Server { return server }
	e.streamable = mcp.NewStreamableHTTPHandler(getServer, e.faults.streamable(e, &mcp.StreamableHTTPOptions{
		EventStore: state.EventStore(),
		// checkOrigin does this, allowing the issuer's host and logging why.
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        maxBodyBytes,
		SessionTimeout:             cfg.sessionIdleTimeout(), // idle sessions end (issue 12 Medium 6)
	}))
	e.stateless = mcp.NewStreamableHTTPHandler(getServer, e.faults.streamable(e, &mcp.StreamableHTTPOptions{
		Stateless:                  true,
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        maxBodyBytes,
		// 2026-07-28 has no resumability: the POST is the whole request,
		// and a client that closes it cancels the call.
		PropagateRequestCancellation: true,
	}))
	e.sse = mcp.NewSSEHandler(getServer, &mcp.SSEOptions{
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        maxBodyBytes,
	})
	return e, nil
}

// newMCPServer builds the go-sdk server with the configured tool set.
func newMCPServer(cfg Config, state SessionState) (*mcp.Server, error) {
	switch cfg.Tools {
	case "", ToolsDefault:
		s := mcp.NewServer(&mcp.Implementation{Name: "mcpvcr", Version: "dev"}, &mcp.ServerOptions{
			GetSessionID: state.NewSessionID,
		})
		addDefaultTools(s)
		return s, nil
	case ToolsConformance:
		return conformance.NewServer(state.NewSessionID), nil
	default:
		return nil, fmt.Errorf("tool set %q: want %q or %q", cfg.Tools, ToolsDefault, ToolsConformance)
	}
}

// serveMCP hands /mcp to go-sdk's handler for the request's era
// (mcp_era.go).
func (e *mcpEndpoints) serveMCP(w http.ResponseWriter, r *http.Request) {
	if eraFrom(r.Context()) == EraStateless {
		e.stateless.ServeHTTP(w, r)
		return
	}
	e.streamable.ServeHTTP(w, r)
}

// faultLines describes the active faults for the startup log.
func (e *mcpEndpoints) faultLines() []string {
	if e.faults.String() == "" {
		return nil
	}
	return []string{fmt.Sprintf("%s (durations scaled by %v); the server misbehaves on purpose", e.faults, e.cfg.TimeScale.Factor())}
}

func (e *mcpEndpoints) scaled(d time.Duration) time.Duration { return e.cfg.scaled(d) }
