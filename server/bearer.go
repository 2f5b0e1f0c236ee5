package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/modelcontextprotocol/go-sdk/auth"
)

// requireBearer wraps a protected resource handler (/mcp, /sse) with the
// bearer-token check of RFC 6750 and the MCP authorization spec:
//
//	request > OAUTH FLOW > token in Redis? audience ours? > OAUTH SUCCESS, AUTH SUCCESS > h
//	                              └ no: 401 + WWW-Authenticate, AUTH FAILED
//	                              └ Redis down: 503 + REDIS UNAVAILABLE, AUTH FAILED
//
// Every 401 carries `WWW-Authenticate: Bearer resource_metadata="<absolute
// PRM URL>"`: claude.ai discovers the authorization server only through it
// (field failure 18). A token is accepted when its audience (RFC 8707
// resource) is this server or one of its protected paths; a token minted
// for another issuer is refused with invalid_token (field failure 20).
//
// Downstream, auth.TokenInfoFromContext returns the token's info: UserID
// is the subject, Extra holds "client_id", "resource" and "grant" (the
// family id: sessions are bound to it, mcp_session_owner.go). go-sdk keeps its
// context key private, so the info is handed over through
// auth.RequireBearerToken with a verifier that returns what this check
// already verified.
func (s *Server) requireBearer(h http.Handler) http.Handler {
	handOver := auth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
		if ti, ok := ctx.Value(verifiedTokenKey{}).(*auth.TokenInfo); ok {
			return ti, nil
		}
		return nil, auth.ErrInvalidToken // unreachable: only verified requests get here
	}, nil)(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		s.log.Mark(ctx, markers.OAuthFlow, "Attempting OAuth token validation")
		token, ti, err := s.verifyBearer(r)
		if err != nil {
			s.refuseBearer(w, r, token != "", err)
			return
		}
		s.log.Mark(ctx, markers.OAuthSuccess, "Token valid: %s", Short(token))
		s.log.Mark(ctx, markers.AuthSuccess, "Method: oauth")
		// Revoking the token (or its grant) ends the request, a listen
		// stream included (oauth_live_requests.go), as does its expiry.
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		family, _ := ti.Extra["grant"].(string)
		lr := s.oauth.live.add(family, s.oauth.store.secretKey(keyAccess, token), cancel)
		defer s.oauth.live.remove(lr)
		expire := time.AfterFunc(time.Until(ti.Expiration), func() { cancel(errors.New("its access token expired")) })
		defer expire.Stop()
		handOver.ServeHTTP(w, r.WithContext(context.WithValue(ctx, verifiedTokenKey{}, ti)))
	})
}

// RequireBearer returns h behind the server's bearer-token check, for
// handlers served outside the server's own routes (tests, embedding).
func (s *Server) RequireBearer(h http.Handler) http.Handler { return s.requireBearer(h) }

type verifiedTokenKey struct{}

// verifyBearer looks the request's bearer token up in Redis and checks its
// audience. It returns the raw token (empty when none was sent) for the
// log's short prefix.
func (s *Server) verifyBearer(r *http.Request) (string, *auth.TokenInfo, error) {
	token, ok := bearerToken(r)
	if !ok {
		return "", nil, refuse(OAuthInvalidRequest, "no bearer token (send Authorization: Bearer <access_token>)")
	}
	st := s.oauth.store
	g, err := st.accessGrant(r.Context(), st.secretKey(keyAccess, token))
	if errors.Is(err, errNotFound) {
		return token, nil, refuse(OAuthInvalidToken, "access token unknown, expired or revoked")
	}
	if err != nil {
		return token, nil, err
	}
	exp := time.Unix(g.ExpiresAt, 0)
	if !exp.After(time.Now()) {
		return token, nil, refuse(OAuthInvalidToken, "access token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if !s.audienceAllows(g.Resource, r.URL.Path) {
		return token, nil, refuse(OAuthInvalidToken, "token audience %q is not this resource (%s)", g.Resource, s.cfg.Issuer+r.URL.Path)
	}
	return token, &auth.TokenInfo{
		UserID:     g.Subject,
		Scopes:     strings.Fields(g.Scope),
		Expiration: exp,
		Extra:      map[string]any{"client_id": g.ClientID, "resource": g.Resource, "grant": g.Family},
	}, nil
}

// audienceAllows reports whether a token for resource may be used at
// path: a token for the whole server (the issuer) anywhere, a token for
// one protected path (/mcp, /sse) only there. An /sse token worked on
// /mcp before (issue 12 Low).
func (s *Server) audienceAllows(resource, path string) bool {
	if resource == s.cfg.Issuer {
		return true
	}
	for _, p := range protectedPaths {
		if resource == s.cfg.Issuer+p {
			return path == p || strings.HasPrefix(path, p+"/") || !s.isProtectedPath(path)
		}
	}
	return false
}

// isProtectedPath reports whether path is under one of protectedPaths
// (a handler served with RequireBearer elsewhere is not).
func (s *Server) isProtectedPath(path string) bool {
	for _, p := range protectedPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

// bearerToken returns the token of an "Authorization: Bearer" header (the
// only bearer method advertised: no query or form tokens).
func bearerToken(r *http.Request) (string, bool) {
	fields := strings.Fields(r.Header.Get("Authorization"))
	if len(fields) != 2 || !strings.EqualFold(fields[0], "Bearer") {
		return "", false
	}
	return fields[1], true
}

// refuseBearer answers a failed bearer check: 401 with the challenge, or
// 503 when Redis could not be asked.
func (s *Server) refuseBearer(w http.ResponseWriter, r *http.Request, tokenSent bool, err error) {
	oe := asOAuthError(err)
	if errors.Is(err, ErrRedisUnavailable) {
		s.log.Mark(r.Context(), markers.RedisUnavailable, "%s %s: %v", r.Method, r.URL.Path, err)
	}
	reason := oe.Description
	if oe.Status >= 500 {
		reason = err.Error()
	}
	s.log.Mark(r.Context(), markers.AuthFailed, "Method: oauth error=%s reason=%s", oe.Code, reason)
	if oe.Status >= 500 {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, oe.Status, oauthErrorBody{Error: oe.Code, ErrorDescription: oe.Description})
		return
	}
	challenge := fmt.Sprintf("Bearer resource_metadata=%q", s.prmURL(r.URL.Path))
	if tokenSent {
		// RFC 6750 §3.1: an error code only when a token was sent.
		challenge += fmt.Sprintf(", error=%q, error_description=%q", OAuthInvalidToken, quotable(oe.Description))
		oe = &oauthError{Code: OAuthInvalidToken, Description: oe.Description, Status: http.StatusUnauthorized}
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeJSON(w, http.StatusUnauthorized, oauthErrorBody{Error: oe.Code, ErrorDescription: oe.Description})
}

// quotable drops the characters RFC 6750 §3 forbids in error_description
// (outside %x20-21 / %x23-5B / %x5D-7E), so %q quoting stays plain.
func quotable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '\''
		}
		return r
	}, s)
}
