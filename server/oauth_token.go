package server

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// grant is what a code, an access token and a refresh token carry in Redis.
// Every token issued from one authorization code shares its Family, so a
// replayed code or refresh token can revoke them all at once.
type grant struct {
	ClientID string `json:"client_id"`
	Subject  string `json:"sub"`
	Scope    string `json:"scope"`
	Resource string `json:"resource"`
	Family   string `json:"family"`
	// Code only.
	RedirectURI   string `json:"redirect_uri,omitempty"`
	CodeChallenge string `json:"code_challenge,omitempty"`
	// RedirectURIGiven: the authorization request named redirect_uri, so
	// the token request must repeat it (RFC 6749 §4.1.3).
	RedirectURIGiven bool `json:"redirect_uri_given,omitempty"`
	// Access token only: when it expires (Redis drops it then too).
	ExpiresAt int64 `json:"exp,omitempty"`
}

// randomToken returns n random bytes, base64url without padding. Tokens and
// codes use 32 bytes: 256 bits.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenResponse is RFC 6749 §5.1.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
}

// handleToken is the token endpoint: authorization_code with PKCE, and
// refresh_token with rotation.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if !admit(w, r, http.MethodPost) {
		return
	}
	resp, err := s.token(r)
	if err != nil {
		oe := asOAuthError(err)
		if oe.Code == OAuthInvalidClient {
			if _, _, basic := r.BasicAuth(); basic {
				// RFC 6749 §5.2: a 401 to a client that used Basic names the scheme.
				w.Header().Set("WWW-Authenticate", `Basic realm="mcpvcr"`)
			}
		}
		w.Header().Set("Pragma", "no-cache")
		s.writeOAuthError(w, r, markers.OAuthTokenFailed, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) token(r *http.Request) (*tokenResponse, error) {
	if err := r.ParseForm(); err != nil {
		s.log.Mark(r.Context(), markers.OAuthTokenStart, "grant_type=?")
		return nil, refuse(OAuthInvalidRequest, "malformed form body: %v", err)
	}
	gt := r.PostForm.Get("grant_type")
	s.log.Mark(r.Context(), markers.OAuthTokenStart, "grant_type=%s", grantTypeForLog(gt))
	for p, vs := range r.PostForm {
		if len(vs) > 1 && p != "resource" {
			return nil, refuse(OAuthInvalidRequest, "%s given more than once", p)
		}
	}
	if gt == "" {
		return nil, refuse(OAuthInvalidRequest, "grant_type is required")
	}
	if gt != string(GrantAuthorizationCode) && gt != string(GrantRefreshToken) {
		return nil, refuse(OAuthUnsupportedGrantType, "grant_type %s is not supported; use authorization_code or refresh_token", grantTypeForLog(gt))
	}
	c, err := s.authenticateClient(r)
	if err != nil {
		return nil, err
	}
	if !c.allows(GrantType(gt)) {
		return nil, refuse(OAuthUnauthorizedClient, "client %q is not registered for %s", c.ID, gt)
	}
	if gt == string(GrantAuthorizationCode) {
		return s.exchangeCode(r, c)
	}
	return s.refresh(r, c)
}

// grantTypeForLog returns grant_type as the START marker logs it: in full
// when it is a grant type some OAuth spec defines, else only its Short
// prefix, so a client that sends a code or a token in the wrong field does
// not get it into the log (found by FuzzToken).
func grantTypeForLog(gt string) string {
	switch gt {
	case string(GrantAuthorizationCode), string(GrantRefreshToken), "client_credentials", "password", "implicit",
		"urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer",
		"urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:saml2-bearer", "":
		return gt
	}
	return logValue(Short(gt))
}

// exchangeCode redeems an authorization code (RFC 6749 §4.1.3, RFC 7636
// §4.6). The code is spent by the first attempt, good or bad; a second
// attempt is a replay and revokes every token the first one got
// (RFC 6749 §4.1.2, OAuth 2.1 §4.1.3).
func (s *Server) exchangeCode(r *http.Request, c *client) (*tokenResponse, error) {
	code, verifier := r.PostForm.Get("code"), r.PostForm.Get("code_verifier")
	if code == "" {
		return nil, refuse(OAuthInvalidRequest, "code is required")
	}
	if verifier == "" {
		return nil, refuse(OAuthInvalidRequest, "code_verifier is required (PKCE)")
	}
	st := s.oauth.store
	g, state, err := s.takeGrant(r, c, st.secretKey(keyCode, code), st.secretKey(keyUsedCode, code), codeTTL, "authorization code", "unknown or expired")
	if err != nil {
		return nil, err
	}
	if state == takeReplayed {
		n, err := st.revokeGrant(r.Context(), g.Family)
		if err != nil {
			return nil, err
		}
		s.log.Mark(r.Context(), markers.CodeReuse, "code=%s client_id=%s revoked %d tokens issued with it", Short(code), g.ClientID, n)
		return nil, refuse(OAuthInvalidGrant, "authorization code was already used; the tokens issued with it are revoked")
	}
	switch ru := r.PostForm.Get("redirect_uri"); {
	case ru == "" && g.RedirectURIGiven:
		// RFC 6749 §4.1.3: required when the authorization request had it.
		return nil, refuse(OAuthInvalidGrant, "redirect_uri is required: the authorization request had one")
	case ru != "" && ru != g.RedirectURI:
		return nil, refuse(OAuthInvalidGrant, "redirect_uri %q differs from the authorization request's", ru)
	}
	if !slices.Contains(s.resources(), g.Resource) {
		// Another server sharing this Redis (and key prefix) issued it.
		return nil, refuse(OAuthInvalidGrant, "authorization code was issued by another authorization server (for %s)", g.Resource)
	}
	if err := verifyPKCE(verifier, g.CodeChallenge); err != nil {
		return nil, err
	}
	if err := s.checkTokenResource(r, g.Resource); err != nil {
		return nil, err
	}
	return s.issueTokens(r, c, g, "")
}

// takeGrant spends the single-use secret stored under live (an
// authorization code or a refresh token, what in refusals) for client c,
// and returns its grant; takeReplayed says c had spent it before. An
// unknown secret is refused (unknown says why it may be), and so is one
// issued to another client, spent or not: only the client a secret was
// issued to may burn its grant.
func (s *Server) takeGrant(r *http.Request, c *client, live, used string, usedTTL time.Duration, what, unknown string) (grant, takeState, error) {
	var g grant
	state, err := s.oauth.store.takeOnce(r.Context(), live, used, usedTTL, &g)
	switch {
	case err != nil:
		return g, state, err
	case state == takeUnknown:
		return g, state, refuse(OAuthInvalidGrant, "%s is %s", what, unknown)
	case g.ClientID != c.ID:
		return g, state, refuse(OAuthInvalidGrant, "%s was issued to another client", what)
	}
	return g, state, nil
}

// refresh rotates a refresh token (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2): the
// old one is spent, a new pair is issued in the same grant. Presenting a
// spent refresh token means two parties hold it: the whole grant is revoked.
func (s *Server) refresh(r *http.Request, c *client) (*tokenResponse, error) {
	rt := r.PostForm.Get("refresh_token")
	if rt == "" {
		return nil, refuse(OAuthInvalidRequest, "refresh_token is required")
	}
	st := s.oauth.store
	live, used := st.secretKey(keyRefresh, rt), st.secretKey(keyUsedRT, rt)
	// Check what cannot burn the token first, so a wrong scope or resource
	// leaves the client's refresh token usable.
	var peek grant
	switch err := st.getJSON(r.Context(), live, &peek); {
	case err == nil:
		if peek.ClientID != c.ID {
			return nil, refuse(OAuthInvalidGrant, "refresh token was issued to another client")
		}
		if !slices.Contains(s.resources(), peek.Resource) {
			// Issuer B sharing A's Redis refreshed A's tokens (issue 12 Low).
			return nil, refuse(OAuthInvalidGrant, "refresh token was issued by another authorization server (for %s)", peek.Resource)
		}
		if _, err := narrowScope(peek.Scope, r.PostForm.Get("scope")); err != nil {
			return nil, err
		}
		if err := s.checkTokenResource(r, peek.Resource); err != nil {
			return nil, err
		}
	case !errors.Is(err, errNotFound):
		return nil, err
	}
	g, state, err := s.takeGrant(r, c, live, used, refreshTokenTTL, "refresh token", "unknown, expired or revoked")
	if err != nil {
		return nil, err
	}
	if state == takeReplayed {
		unseen, retried := s.oauth.unanswered.take(used, c.ID)
		if !retried {
			n, err := st.revokeGrant(r.Context(), g.Family)
			if err != nil {
				return nil, err
			}
			s.log.Mark(r.Context(), markers.RefreshTokenReuse, "refresh_token=%s client_id=%s revoked %d tokens of its grant", Short(rt), g.ClientID, n)
			return nil, refuse(OAuthInvalidGrant, "refresh token was already used; its grant is revoked")
		}
		// RFC 9700 §4.14.2: this rotation committed but was answered 503
		// (a Redis stall), so the client never saw its pair. The retry is
		// not reuse: the unseen pair is deleted, and the retry gets a new one.
		if err := st.del(r.Context(), unseen...); err != nil {
			s.oauth.unanswered.put(used, c.ID, unseen)
			return nil, err
		}
		s.log.Mark(r.Context(), markers.RefreshTokenRotated, "refresh_token=%s client_id=%s retried after a rotation answered 503; the pair it never saw is revoked", Short(rt), c.ID)
	}
	scope, err := narrowScope(g.Scope, r.PostForm.Get("scope"))
	if err != nil {
		return nil, err
	}
	g.Scope = scope
	resp, issued, err := s.issueTokensKeys(r, c, g, rt)
	if errors.Is(err, ErrRedisUnavailable) {
		// The rotation is spent but the client gets a 503: remember it,
		// so its retry is not taken for reuse.
		s.oauth.unanswered.put(used, c.ID, issued)
	}
	return resp, err
}

// narrowScope returns the requested scope if it is within granted (RFC 6749
// §6: a refresh may narrow, never widen), or granted when none is asked.
func narrowScope(granted, requested string) (string, error) {
	if requested == "" {
		return granted, nil
	}
	have := strings.Fields(granted)
	for _, sc := range strings.Fields(requested) {
		if !slices.Contains(have, sc) {
			return "", refuse(OAuthInvalidScope, "scope %q was not granted (granted: %q)", sc, granted)
		}
	}
	return strings.Join(strings.Fields(requested), " "), nil
}

// checkTokenResource checks the RFC 8707 resource of a token request: it
// may repeat the grant's resource, nothing else.
func (s *Server) checkTokenResource(r *http.Request, granted string) error {
	rs := r.PostForm["resource"]
	if len(rs) == 0 || (len(rs) == 1 && rs[0] == "") {
		return nil
	}
	if len(rs) > 1 {
		return refuse(OAuthInvalidTarget, "only one resource per request is supported")
	}
	c := strings.TrimSuffix(rs[0], "/")
	if c != granted {
		return refuse(OAuthInvalidTarget, "resource %q differs from the authorized resource %q", rs[0], granted)
	}
	return nil
}

// issueTokens stores a new access token (and a refresh token when the
// client may refresh) for g and returns the response. rotated is the
// refresh token being replaced, for the marker.
func (s *Server) issueTokens(r *http.Request, c *client, g grant, rotated string) (*tokenResponse, error) {
	resp, _, err := s.issueTokensKeys(r, c, g, rotated)
	return resp, err
}

// issueTokensKeys is issueTokens, also returning the keys it stored (or
// tried to store, when err is not nil).
func (s *Server) issueTokensKeys(r *http.Request, c *client, g grant, rotated string) (*tokenResponse, []string, error) {
	st := s.oauth.store
	at := randomToken(32)
	s.log.Mark(r.Context(), markers.AccessTokenGenerated, "token=%s client_id=%s", Short(at), c.ID)
	ag := g
	ag.RedirectURI, ag.CodeChallenge, ag.RedirectURIGiven = "", "", false
	ag.ExpiresAt = time.Now().Add(accessTokenTTL).Unix()
	atJSON, err := json.Marshal(ag)
	if err != nil {
		return nil, nil, err
	}
	tokens := []storedToken{{st.secretKey(keyAccess, at), atJSON, accessTokenTTL}}
	resp := &tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(accessTokenTTL / time.Second), Scope: g.Scope}
	if c.allows(GrantRefreshToken) {
		rt := randomToken(32)
		rg := ag
		rg.ExpiresAt = 0
		rtJSON, err := json.Marshal(rg)
		if err != nil {
			return nil, nil, err
		}
		tokens = append(tokens, storedToken{st.secretKey(keyRefresh, rt), rtJSON, refreshTokenTTL})
		resp.RefreshToken = rt
		if rotated != "" {
			s.log.Mark(r.Context(), markers.RefreshTokenRotated, "old=%s new=%s", Short(rotated), Short(rt))
		} else {
			s.log.Mark(r.Context(), markers.RefreshTokenGenerated, "token=%s", Short(rt))
		}
	}
	keys := make([]string, len(tokens))
	for i, t := range tokens {
		keys[i] = t.key
	}
	switch err := st.issue(r.Context(), g.Family, refreshTokenTTL, tokens...); {
	case errors.Is(err, errGrantRevoked):
		return nil, keys, refuse(OAuthInvalidGrant, "the grant was revoked (a replayed code or refresh token) before its tokens were issued")
	case err != nil:
		return nil, keys, err
	}
	if !c.Static {
		if err := st.touchClient(r.Context(), c.ID); err != nil {
			return nil, keys, err
		}
	}
	s.log.Mark(r.Context(), markers.AccessTokenStored, "Stored in Redis with %ds TTL", int64(accessTokenTTL/time.Second))
	return resp, keys, nil
}
