package server

import (
	"net/http"
	"slices"
	"strings"
)

// Scopes the server knows. "mcp" is what it advertises for its resource;
// "claudeai" is what Claude's connector asks for (the seed's authorize URL);
// "offline_access" lets go-sdk clients ask for a refresh token (SEP-2207).
// Unknown requested scopes are dropped, not refused (RFC 6749 §3.3 lets the
// server grant less), so a client with its own scope names still connects.
const defaultScope = "mcp"

var supportedScopes = []string{"mcp", "claudeai", "offline_access"}

// authServerMetadata is RFC 8414 §2, with only what this server supports.
// (oauthex.AuthServerMeta would send an empty "jwks_uri".)
type authServerMetadata struct {
	Issuer                                 string   `json:"issuer"`
	AuthorizationEndpoint                  string   `json:"authorization_endpoint"`
	TokenEndpoint                          string   `json:"token_endpoint"`
	RegistrationEndpoint                   string   `json:"registration_endpoint"`
	RevocationEndpoint                     string   `json:"revocation_endpoint"`
	ScopesSupported                        []string `json:"scopes_supported"`
	ResponseTypesSupported                 []string `json:"response_types_supported"`
	ResponseModesSupported                 []string `json:"response_modes_supported"`
	GrantTypesSupported                    []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported      []string `json:"token_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported          []string `json:"code_challenge_methods_supported"`
	// RFC 9207: the authorization response carries iss, so a client talking
	// to several servers can tell which one answered (mix-up attacks).
	AuthorizationResponseIssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
	// An https client_id names the client's metadata document (oauth_cimd.go).
	ClientIDMetadataDocumentSupported bool `json:"client_id_metadata_document_supported"`
}

// handleASMetadata serves RFC 8414 metadata. The issuer is exactly
// Config.Issuer: clients (go-sdk, the conformance suite) compare it
// byte for byte with the URL they derived the well-known URL from.
func (s *Server) handleASMetadata(w http.ResponseWriter, r *http.Request) {
	if !admit(w, r, http.MethodGet) {
		return
	}
	iss := s.cfg.Issuer
	writeJSON(w, http.StatusOK, authServerMetadata{
		Issuer:                                     iss,
		AuthorizationEndpoint:                      iss + pathAuthorize,
		TokenEndpoint:                              iss + pathToken,
		RegistrationEndpoint:                       iss + pathRegister,
		RevocationEndpoint:                         iss + pathRevoke,
		ScopesSupported:                            supportedScopes,
		ResponseTypesSupported:                     []string{"code"},
		ResponseModesSupported:                     []string{"query"},
		GrantTypesSupported:                        supportedGrantTypes,
		TokenEndpointAuthMethodsSupported:          supportedAuthMethods,
		RevocationEndpointAuthMethodsSupported:     supportedAuthMethods,
		CodeChallengeMethodsSupported:              []string{"S256"},
		AuthorizationResponseIssParameterSupported: true,
		ClientIDMetadataDocumentSupported:          true,
	})
}

// protectedResourceMetadata is RFC 9728 §2.
type protectedResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name"`
}

// handlePRM serves protected resource metadata at the root
// (/.well-known/oauth-protected-resource, resource = the issuer's origin)
// and path-inserted for each protected path
// (/.well-known/oauth-protected-resource/mcp, resource = issuer + "/mcp").
// claude.ai discovers only through these, path-inserted first
// (field failure 18); go-sdk checks that "resource" equals the URL it derived
// the metadata URL from (RFC 9728 §3.3).
func (s *Server) handlePRM(w http.ResponseWriter, r *http.Request) {
	if !admit(w, r, http.MethodGet) {
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, pathPRM)
	if rest != "" && !slices.Contains(protectedPaths, rest) {
		writeJSON(w, http.StatusNotFound, oauthErrorBody{Error: "not_found", ErrorDescription: "no protected resource at " + rest})
		return
	}
	writeJSON(w, http.StatusOK, protectedResourceMetadata{
		Resource:               s.cfg.Issuer + rest,
		AuthorizationServers:   []string{s.cfg.Issuer},
		ScopesSupported:        []string{defaultScope},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "mcpvcr",
	})
}

// resources returns every resource identifier this server accepts as a
// token audience: the issuer (the whole server) and each protected path.
func (s *Server) resources() []string {
	rs := []string{s.cfg.Issuer}
	for _, p := range protectedPaths {
		rs = append(rs, s.cfg.Issuer+p)
	}
	return rs
}

// prmURL returns the absolute URL of the protected resource metadata for a
// request path: path-inserted for /mcp and /sse, the root one otherwise.
func (s *Server) prmURL(path string) string {
	for _, p := range protectedPaths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return s.cfg.Issuer + pathPRM + p
		}
	}
	return s.cfg.Issuer + pathPRM
}

// canonicalResource normalizes a requested resource (RFC 8707) for
// comparison: no trailing slash. It reports whether the server serves it.
func (s *Server) canonicalResource(raw string) (string, bool) {
	c := strings.TrimSuffix(raw, "/")
	return c, slices.Contains(s.resources(), c)
}
