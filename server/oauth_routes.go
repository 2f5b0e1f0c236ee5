package server

import "net/http"

// routeOAuth mounts the authorization server's endpoints.
// Placeholder until the OAuth issue lands.
func (s *Server) routeOAuth(mux *http.ServeMux) error { return nil }

func (s *Server) closeOAuth() error { return nil }

// requireBearer wraps a protected resource handler with the bearer-token check.
// Placeholder: lets everything through.
func (s *Server) requireBearer(h http.Handler) http.Handler { return h }
