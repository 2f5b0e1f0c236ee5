package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// registrationRequest is the client metadata of RFC 7591 §2 that this server
// reads; other members are accepted and ignored.
type registrationRequest struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	Scope                   string   `json:"scope"`
}

// registrationResponse is RFC 7591 §3.2.1: the registered metadata with
// defaults filled in, and the credentials.
type registrationResponse struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	Scope                   string   `json:"scope,omitempty"`
}

// Limits on what an anonymous caller can make the server keep (issue 12
// Medium 6: 2,000 registrations of 60 KB grew the server 27 > 256 MB and
// never expired). Claude's registration is about 300 bytes.
const (
	// maxRegistrationBytes bounds a registration request body.
	maxRegistrationBytes = 8 << 10
	// maxRegisteredClients bounds the live dynamic registrations.
	maxRegisteredClients = 1000
	// unusedClientTTL is how long a registered client lives until it
	// gets its first token; then refreshTokenTTL from its last token.
	unusedClientTTL = 24 * time.Hour
	// maxRedirectURIs and maxClientNameBytes bound the stored metadata.
	maxRedirectURIs     = 10
	maxRedirectURIBytes = 2048
	maxClientNameBytes  = 256
)

// handleRegister is dynamic client registration (RFC 7591). Claude registers
// on every fresh connection, sometimes twice (field failure 19), so
// registrations are cheap: one Redis SET, and a client never used expires
// (unusedClientTTL).
func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if !admit(w, r, http.MethodPost) {
		return
	}
	resp, err := s.register(r)
	if err != nil {
		s.writeOAuthError(w, r, markers.OAuthRegisterFailed, err)
		return
	}
	s.log.Mark(r.Context(), markers.OAuthClientRegistered, "client_id=%s method=%s redirect_uris=%v name=%q", resp.ClientID, resp.TokenEndpointAuthMethod, resp.RedirectURIs, resp.ClientName)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) register(r *http.Request) (*registrationResponse, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRegistrationBytes+1))
	if err != nil {
		return nil, refuse(OAuthInvalidClientMetadata, "reading the request body: %v", err)
	}
	if len(body) > maxRegistrationBytes {
		return nil, refuse(OAuthInvalidClientMetadata, "registration request larger than %d bytes", maxRegistrationBytes)
	}
	var req registrationRequest
	if err := json.Unmarshal(body, &req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, refuse(OAuthInvalidClientMetadata, "member %q has the wrong type", typeErr.Field)
		}
		return nil, refuse(OAuthInvalidClientMetadata, "request body is not a JSON object: %v", err)
	}
	if len(req.RedirectURIs) == 0 {
		return nil, refuse(OAuthInvalidRedirectURI, "redirect_uris is required for the authorization code flow")
	}
	if len(req.RedirectURIs) > maxRedirectURIs {
		return nil, refuse(OAuthInvalidRedirectURI, "%d redirect_uris; at most %d", len(req.RedirectURIs), maxRedirectURIs)
	}
	if len(req.ClientName) > maxClientNameBytes {
		return nil, refuse(OAuthInvalidClientMetadata, "client_name of %d bytes; at most %d", len(req.ClientName), maxClientNameBytes)
	}
	for _, u := range req.RedirectURIs {
		if len(u) > maxRedirectURIBytes {
			return nil, refuse(OAuthInvalidRedirectURI, "a redirect URI of %d bytes; at most %d", len(u), maxRedirectURIBytes)
		}
		if err := checkRedirectURI(u); err != nil {
			return nil, refuse(OAuthInvalidRedirectURI, "%v", err)
		}
	}
	method := AuthMethod(req.TokenEndpointAuthMethod)
	if method == "" {
		method = AuthSecretBasic // RFC 7591 §2 default
	}
	if !slices.Contains(supportedAuthMethods, string(method)) {
		return nil, refuse(OAuthInvalidClientMetadata, "token_endpoint_auth_method %q is not supported; use one of %v", method, supportedAuthMethods)
	}
	grants := req.GrantTypes
	if len(grants) == 0 {
		grants = []string{string(GrantAuthorizationCode)} // RFC 7591 §2 default
	}
	for _, g := range grants {
		if !slices.Contains(supportedGrantTypes, g) {
			return nil, refuse(OAuthInvalidClientMetadata, "grant type %q is not supported; use %v", g, supportedGrantTypes)
		}
	}
	if !slices.Contains(grants, string(GrantAuthorizationCode)) {
		return nil, refuse(OAuthInvalidClientMetadata, "grant_types must include authorization_code")
	}
	responses := req.ResponseTypes
	if len(responses) == 0 {
		responses = []string{"code"}
	}
	if len(responses) != 1 || responses[0] != "code" {
		return nil, refuse(OAuthInvalidClientMetadata, "response_types must be [\"code\"], got %v", responses)
	}

	c := client{ID: "mcpvcr-" + randomToken(12), Name: req.ClientName, RedirectURIs: req.RedirectURIs, AuthMethod: method, GrantTypes: grants}
	resp := &registrationResponse{
		ClientID:                c.ID,
		ClientIDIssuedAt:        time.Now().Unix(),
		ClientName:              c.Name,
		RedirectURIs:            c.RedirectURIs,
		TokenEndpointAuthMethod: string(c.AuthMethod),
		GrantTypes:              c.GrantTypes,
		ResponseTypes:           responses,
		Scope:                   req.Scope,
	}
	if method != AuthNone {
		resp.ClientSecret = randomToken(32)
		c.SecretHash = hashSecret(resp.ClientSecret)
		never := int64(0) // RFC 7591 §3.2.1: required with a secret, 0 = never expires
		resp.ClientSecretExpiresAt = &never
	}
	st := s.oauth.store
	switch err := st.admit(r.Context(), keyClients, c.ID, unusedClientTTL, maxRegisteredClients); {
	case errors.Is(err, errFull):
		return nil, &oauthError{Code: OAuthTemporarilyUnavailable, Status: http.StatusTooManyRequests,
			Description: fmt.Sprintf("%d registered clients not yet expired, the most this server keeps; an unused one expires %s after registering", maxRegisteredClients, unusedClientTTL)}
	case err != nil:
		return nil, err
	}
	if err := st.putJSON(r.Context(), st.key(keyClient, c.ID), c, unusedClientTTL); err != nil {
		return nil, err
	}
	return resp, nil
}
