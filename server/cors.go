package server

import "net/http"

// MCP's CORS, for clients running in a web page on another origin (field
// failure 35). Two things break a browser client without them, each with
// a misleading error:
//   - the preflight must allow the MCP request headers, or the browser
//     never sends notifications/initialized ("Failed to fetch");
//   - the response must expose Mcp-Session-Id, or the browser hides it
//     from the client, whose next request then has no session (400).
//
// Tokens travel in Authorization, never in cookies, so any origin may call
// (Access-Control-Allow-Origin: *, no credentials): the bearer check still
// decides.
const (
	corsAllowMethods  = "GET, POST, DELETE, OPTIONS"
	corsAllowHeaders  = "Authorization, Content-Type, Accept, Last-Event-ID, Mcp-Session-Id, Mcp-Protocol-Version, Mcp-Method, Mcp-Name"
	corsExposeHeaders = "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate"
	corsMaxAge        = "600"
)

// corsMCP answers preflights for the MCP endpoint itself (before the
// bearer check: a preflight carries no token) and adds the CORS headers to
// every response, errors and 401s included, so a browser client can read
// WWW-Authenticate and the status.
func corsMCP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
