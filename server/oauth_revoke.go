package server

import (
	"errors"
	"net/http"

	"github.com/mcpvcr/mcpvcr/markers"
)

// handleRevoke is token revocation (RFC 7009). The client authenticates as
// at /token. Revoking a refresh token revokes its whole grant, access tokens
// included (RFC 7009 §2.1 "SHOULD"); revoking an access token revokes that
// token. An unknown token is answered 200 like a revoked one (§2.2): the
// answer must not tell a guesser whether a token existed.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if !admit(w, r, http.MethodPost) {
		return
	}
	if err := s.revoke(r); err != nil {
		if oe := asOAuthError(err); oe.Code == OAuthInvalidClient {
			if _, _, basic := r.BasicAuth(); basic {
				w.Header().Set("WWW-Authenticate", `Basic realm="mcpvcr"`)
			}
		}
		s.writeOAuthError(w, r, markers.OAuthRevokeFailed, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// tokenTypeHint is RFC 7009 §2.1's token_type_hint.
type tokenTypeHint string

const (
	hintAccessToken  tokenTypeHint = "access_token"
	hintRefreshToken tokenTypeHint = "refresh_token"
)

func (s *Server) revoke(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return refuse(OAuthInvalidRequest, "malformed form body: %v", err)
	}
	c, err := s.authenticateClient(r)
	if err != nil {
		return err
	}
	token := r.PostForm.Get("token")
	if token == "" {
		return refuse(OAuthInvalidRequest, "token is required")
	}
	// The hint only orders the lookups; an unknown hint is ignored (§2.1).
	kinds := []keyKind{keyAccess, keyRefresh}
	if tokenTypeHint(r.PostForm.Get("token_type_hint")) == hintRefreshToken {
		kinds = []keyKind{keyRefresh, keyAccess}
	}
	st := s.oauth.store
	for _, kind := range kinds {
		var g grant
		key := st.secretKey(kind, token)
		err := st.getJSON(r.Context(), key, &g)
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if g.ClientID != c.ID {
			// §2.1: the server checks the token was issued to the client.
			return refuse(OAuthUnauthorizedClient, "token was issued to another client")
		}
		if kind == keyRefresh {
			n, err := st.revokeGrant(r.Context(), g.Family)
			if err != nil {
				return err
			}
			s.log.Mark(r.Context(), markers.TokenRevoked, "refresh_token=%s client_id=%s revoked %d tokens of its grant", Short(token), c.ID, n)
			return nil
		}
		if err := st.del(r.Context(), key); err != nil {
			return err
		}
		s.oauth.live.endGrant(g.Family, key)
		s.log.Mark(r.Context(), markers.TokenRevoked, "access_token=%s client_id=%s", Short(token), c.ID)
		return nil
	}
	s.log.Mark(r.Context(), markers.TokenRevoked, "token=%s client_id=%s unknown or already invalid; nothing to revoke", Short(token), c.ID)
	return nil
}
