// Package server is the MCP + OAuth 2.1 server that mcpvcr reproduces bugs
// against: a Go port of the server in the seed's debugging notes, on Redis,
// logging every lifecycle step as a marker, able to misbehave on purpose.
//
//	srv, err := server.New(server.Config{AutoApprove: true, LogOutput: os.Stderr})
//	if err != nil { ... }
//	defer srv.Close()
//	http.ListenAndServe("127.0.0.1:8080", srv)
//
// To show a bug, a Config names faults by their constants, with their
// values typed (docs/mcp.md lists them):
//
//	server.Config{Faults: server.FaultsOf(server.FaultNoKeepalive, server.FaultIdleClose.For(100*time.Second))}
package server

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
)

// Server is both the OAuth 2.1 authorization server and the MCP resource
// server. It is an http.Handler. The caller should call Close when finished.
type Server struct {
	cfg   Config
	log   *Logger
	mux   *http.ServeMux
	oauth *authServer   // the authorization server's state (oauth_routes.go)
	mcp   *mcpEndpoints // the MCP endpoints (mcp_routes.go)
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "http://" + cfg.Addr
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	if cfg.LogOutput != nil {
		s.log = NewLogger(cfg.LogOutput, cfg.LogFormat)
	}
	if err := s.routeOAuth(s.mux); err != nil {
		return nil, err
	}
	if err := s.routeMCP(s.mux); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Logger returns the server's marker logger (nil when logging is off).
func (s *Server) Logger() *Logger { return s.log }

// Issuer returns the issuer URL clients see.
func (s *Server) Issuer() string { return s.cfg.Issuer }

// ServeHTTP tags the request with a fresh request id (every marker it logs
// carries it, see WithScope) and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, _ := WithScope(r.Context(), newRequestID())
	s.mux.ServeHTTP(w, r.WithContext(ctx))
}

// newRequestID returns 12 hex digits: enough to tell requests apart in a
// log, short enough to read.
func newRequestID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Close releases the server's Redis connection (and stops an in-process
// miniredis).
func (s *Server) Close() error { return s.closeOAuth() }
