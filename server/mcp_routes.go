package server

import "net/http"

// routeMCP mounts /mcp (Streamable HTTP) and /sse (legacy HTTP+SSE).
// Placeholder until the MCP issue lands.
func (s *Server) routeMCP(mux *http.ServeMux) error { return nil }
