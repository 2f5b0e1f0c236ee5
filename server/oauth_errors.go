package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/mcpvcr/mcpvcr/markers"
)

// OAuthErrorCode is an OAuth error code as sent in the "error" member of an
// error response (RFC 6749 §4.1.2.1 and §5.2, RFC 7591 §3.2.2, RFC 7009
// §2.2.1, RFC 6750 §3.1, RFC 8707 §2).
type OAuthErrorCode string

const (
	OAuthInvalidRequest          OAuthErrorCode = "invalid_request"
	OAuthInvalidClient           OAuthErrorCode = "invalid_client"
	OAuthInvalidGrant            OAuthErrorCode = "invalid_grant"
	OAuthUnauthorizedClient      OAuthErrorCode = "unauthorized_client"
	OAuthUnsupportedGrantType    OAuthErrorCode = "unsupported_grant_type"
	OAuthUnsupportedResponseType OAuthErrorCode = "unsupported_response_type"
	OAuthInvalidScope            OAuthErrorCode = "invalid_scope"
	OAuthAccessDenied            OAuthErrorCode = "access_denied"
	OAuthInvalidTarget           OAuthErrorCode = "invalid_target"
	OAuthInvalidRedirectURI      OAuthErrorCode = "invalid_redirect_uri"
	OAuthInvalidClientMetadata   OAuthErrorCode = "invalid_client_metadata"
	OAuthInvalidToken            OAuthErrorCode = "invalid_token"
	OAuthTemporarilyUnavailable  OAuthErrorCode = "temporarily_unavailable"
)

// oauthError is a refusal: the code and description the client sees, the
// HTTP status, and the endpoint's failure marker. Every handler returns its
// refusals as *oauthError and writes them through one function
// (writeOAuthError), so status codes and markers cannot drift apart.
type oauthError struct {
	Code        OAuthErrorCode
	Description string
	Status      int
}

func (e *oauthError) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Description) }

// refuse returns an *oauthError with status 400, the default of RFC 6749
// §5.2, or 401 for invalid_client.
func refuse(code OAuthErrorCode, format string, args ...any) *oauthError {
	status := http.StatusBadRequest
	if code == OAuthInvalidClient || code == OAuthInvalidToken {
		status = http.StatusUnauthorized
	}
	return &oauthError{Code: code, Description: fmt.Sprintf(format, args...), Status: status}
}

// oauthErrorBody is the JSON error body of RFC 6749 §5.2.
type oauthErrorBody struct {
	Error            OAuthErrorCode `json:"error"`
	ErrorDescription string         `json:"error_description,omitempty"`
}

// asOAuthError maps any handler error to what the client sees: an
// *oauthError as is, ErrRedisUnavailable as 503 temporarily_unavailable, and
// anything else as a 500 server_error without internal detail.
func asOAuthError(err error) *oauthError {
	var oe *oauthError
	switch {
	case errors.As(err, &oe):
		return oe
	case errors.Is(err, ErrRedisUnavailable):
		return &oauthError{Code: OAuthTemporarilyUnavailable, Description: "the token store (Redis) is unavailable; retry later", Status: http.StatusServiceUnavailable}
	default:
		return &oauthError{Code: "server_error", Description: "internal error", Status: http.StatusInternalServerError}
	}
}

// writeOAuthError answers err as a JSON OAuth error and logs the endpoint's
// failure marker with the reason (and REDIS UNAVAILABLE when that is why).
func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, failed markers.Name, err error) {
	oe := asOAuthError(err)
	s.markFailure(r, failed, oe, err)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, oe.Status, oauthErrorBody{Error: oe.Code, ErrorDescription: oe.Description})
}

// markFailure logs failed with "error=CODE reason=...", the reason being
// the full internal error, and REDIS UNAVAILABLE first when Redis is why.
func (s *Server) markFailure(r *http.Request, failed markers.Name, oe *oauthError, err error) {
	if errors.Is(err, ErrRedisUnavailable) {
		s.log.Mark(r.Context(), markers.RedisUnavailable, "%s %s: %v", r.Method, r.URL.Path, err)
	}
	reason := oe.Description
	if oe.Status >= 500 {
		reason = err.Error()
	}
	s.log.Mark(r.Context(), failed, "error=%s reason=%s", oe.Code, reason)
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// allowCORS lets browser-based clients (MCP Inspector) call the metadata,
// registration, token and revocation endpoints. None of them relies on
// cookies, so a wildcard origin exposes nothing. It reports whether the
// request was a preflight that has been answered.
func allowCORS(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, MCP-Protocol-Version")
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// admit is the door of every OAuth endpoint: the CORS headers (allowCORS),
// a preflight answered 204, and any method but method (GET takes HEAD too)
// answered 405. It reports whether the handler should go on.
func admit(w http.ResponseWriter, r *http.Request, method string) bool {
	if allowCORS(w, r) {
		return false
	}
	if r.Method != method && (method != http.MethodGet || r.Method != http.MethodHead) {
		methodNotAllowed(w, method)
		return false
	}
	return true
}

// methodNotAllowed answers 405 with the allowed methods.
func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, oauthErrorBody{Error: OAuthInvalidRequest, ErrorDescription: "method not allowed; use " + allow})
}
