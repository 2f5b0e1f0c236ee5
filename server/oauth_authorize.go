package server

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/mcpvcr/mcpvcr/markers"
)

// authorizeRequest is a validated authorization request, kept in Redis while
// the consent page is shown.
type authorizeRequest struct {
	ClientID         string `json:"client_id"`
	ClientName       string `json:"client_name,omitempty"`
	RedirectURI      string `json:"redirect_uri"`
	RedirectURIGiven bool   `json:"redirect_uri_given,omitempty"`
	State            string `json:"state,omitempty"`
	Scope            string `json:"scope"`
	Resource         string `json:"resource"`
	CodeChallenge    string `json:"code_challenge"`
	// NeedsApproval: the consent page was shown to an exposed request and
	// asks for proof (oauth_exposure.go); ApprovalHash is its one-time
	// code's hash, "" when the proof is ConsentSecret.
	NeedsApproval bool   `json:"needs_approval,omitempty"`
	ApprovalHash  string `json:"approval_hash,omitempty"`
}

// pkceChallengeChars is RFC 7636 §4.2: an S256 challenge is the BASE64URL
// (no padding) of a SHA-256, 43 characters; the RFC's 43-128 bound is the
// verifier's, and nothing shorter can be a challenge. A padded challenge,
// a 1-character one or the seed's "test123" is refused here, before a
// code exists to be guessed against.
var pkceChallengeChars = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// maxStateBytes bounds the client's state, kept until consent; clients
// send a random value of 32-64 characters.
const maxStateBytes = 1024

// maxPendingConsents bounds the consent pages awaiting an answer.
const maxPendingConsents = 1000

// handleAuthorize is the authorization endpoint (RFC 6749 §4.1.1 with the
// OAuth 2.1 rules: PKCE S256 required, exact redirect URI match). GET starts
// a request; POST is the consent page's answer.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.authorizeStart(w, r)
	case http.MethodPost:
		s.authorizeConsent(w, r)
	default:
		methodNotAllowed(w, "GET, POST")
	}
}

// authorizeStart validates the request. Until the client and redirect URI
// are known good, errors are a 400 page (RFC 6749 §4.1.2.1: never redirect
// to an unverified URI); after that they go to the redirect URI.
func (s *Server) authorizeStart(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.log.Mark(r.Context(), markers.OAuthAuthorizeStart, "client_id=%s", logValue(q.Get("client_id")))
	c, redirectURI, err := s.authorizeClient(r, q)
	if err != nil {
		s.authorizeErrorPage(w, r, err)
		return
	}
	ar, err := s.authorizeParams(q, c, redirectURI)
	if err != nil {
		if !s.trustedRedirect(c, redirectURI) {
			s.authorizeErrorPage(w, r, err) // no open redirect to a host nobody vouched for
			return
		}
		s.authorizeRedirectError(w, r, redirectURI, q.Get("state"), err)
		return
	}
	if s.autoApproves(r, c, redirectURI) {
		s.issueCode(w, r, ar)
		return
	}
	s.showConsent(w, r, ar)
}

// authorizeClient finds the client and the redirect URI to answer to.
func (s *Server) authorizeClient(r *http.Request, q url.Values) (*client, string, error) {
	for _, p := range []string{"client_id", "redirect_uri"} {
		if len(q[p]) > 1 {
			return nil, "", refuse(OAuthInvalidRequest, "%s given more than once", p)
		}
	}
	id := q.Get("client_id")
	if id == "" {
		return nil, "", refuse(OAuthInvalidRequest, "client_id is required")
	}
	c, err := s.lookupClient(r.Context(), id)
	if errors.Is(err, errNotFound) {
		return nil, "", refuse(OAuthInvalidClient, "unknown client_id %q", id)
	}
	if err != nil {
		return nil, "", err
	}
	redirectURI := q.Get("redirect_uri")
	switch {
	case redirectURI != "":
		if !slices.Contains(c.RedirectURIs, redirectURI) {
			return nil, "", refuse(OAuthInvalidRequest, "redirect_uri %q is not registered for client %q (exact match required)", redirectURI, id)
		}
	case len(c.RedirectURIs) == 1:
		redirectURI = c.RedirectURIs[0]
	default:
		return nil, "", refuse(OAuthInvalidRequest, "redirect_uri is required: client %q has %d registered", id, len(c.RedirectURIs))
	}
	return c, redirectURI, nil
}

// authorizeParams checks everything but the client and redirect URI.
func (s *Server) authorizeParams(q url.Values, c *client, redirectURI string) (*authorizeRequest, error) {
	for p, vs := range q {
		if len(vs) > 1 && p != "resource" {
			return nil, refuse(OAuthInvalidRequest, "%s given more than once", p)
		}
	}
	if n := len(q.Get("state")); n > maxStateBytes {
		// The state is kept with the pending consent: 1,000 requests
		// with a 60 KB state added 118 MB (issue 12 Medium 6).
		return nil, refuse(OAuthInvalidRequest, "state of %d bytes; at most %d", n, maxStateBytes)
	}
	if rt := q.Get("response_type"); rt != "code" {
		return nil, refuse(OAuthUnsupportedResponseType, "response_type must be \"code\", got %q", rt)
	}
	if !c.allows(GrantAuthorizationCode) {
		return nil, refuse(OAuthUnauthorizedClient, "client %q is not registered for authorization_code", c.ID)
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge == "" {
		return nil, refuse(OAuthInvalidRequest, "code_challenge is required (PKCE, S256)")
	}
	if method != "S256" {
		return nil, refuse(OAuthInvalidRequest, "code_challenge_method must be S256, got %q (plain is refused)", method)
	}
	if !pkceChallengeChars.MatchString(challenge) {
		return nil, refuse(OAuthInvalidRequest, "code_challenge must be base64url without padding (RFC 7636 §4.2)")
	}
	resource, err := s.requestedResource(q["resource"])
	if err != nil {
		return nil, err
	}
	return &authorizeRequest{
		ClientID:    c.ID,
		ClientName:  c.Name,
		RedirectURI: redirectURI,
		// RFC 6749 §4.1.3: then /token must repeat it.
		RedirectURIGiven: q.Get("redirect_uri") != "",
		State:            q.Get("state"),
		Scope:            grantScope(q.Get("scope")),
		Resource:         resource,
		CodeChallenge:    challenge,
	}, nil
}

// requestedResource validates the RFC 8707 resource parameter. Without one,
// the grant's audience is the whole server (the issuer).
func (s *Server) requestedResource(rs []string) (string, error) {
	if len(rs) == 0 || (len(rs) == 1 && rs[0] == "") {
		return s.cfg.Issuer, nil
	}
	if len(rs) > 1 {
		return "", refuse(OAuthInvalidTarget, "only one resource per request is supported, got %d", len(rs))
	}
	u, err := url.Parse(rs[0])
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(rs[0], "#") {
		return "", refuse(OAuthInvalidTarget, "resource %q must be an absolute URI without a fragment", rs[0])
	}
	c, ok := s.canonicalResource(rs[0])
	if !ok {
		return "", refuse(OAuthInvalidTarget, "resource %q is not served here; this server protects %v", rs[0], s.resources())
	}
	return c, nil
}

// grantScope returns the scopes granted for a request: the known ones
// requested, or the default when none is known.
func grantScope(requested string) string {
	var granted []string
	for _, sc := range strings.Fields(requested) {
		if slices.Contains(supportedScopes, sc) && !slices.Contains(granted, sc) {
			granted = append(granted, sc)
		}
	}
	if len(granted) == 0 {
		return defaultScope
	}
	return strings.Join(granted, " ")
}

// issueCode stores a code for ar and redirects to the client with it.
func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, ar *authorizeRequest) {
	code := randomToken(32)
	g := grant{
		ClientID:         ar.ClientID,
		Subject:          localSubject,
		Scope:            ar.Scope,
		Resource:         ar.Resource,
		Family:           randomToken(16),
		RedirectURI:      ar.RedirectURI,
		RedirectURIGiven: ar.RedirectURIGiven,
		CodeChallenge:    ar.CodeChallenge,
	}
	st := s.oauth.store
	if err := st.putJSON(r.Context(), st.secretKey(keyCode, code), g, codeTTL); err != nil {
		s.authorizeErrorPage(w, r, err)
		return
	}
	s.log.Mark(r.Context(), markers.OAuthCodeGenerated, "code=%s client_id=%s resource=%s scope=%q", Short(code), ar.ClientID, ar.Resource, ar.Scope)
	s.redirect(w, r, ar.RedirectURI, url.Values{"code": {code}, "state": optional(ar.State)})
}

// localSubject is the user every grant is for: mcpvcr has no accounts, the
// consent page is the only "login".
const localSubject = "mcpvcr-user"

// redirect sends the browser to redirectURI with params and the RFC 9207
// iss added to its query.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, _ := url.Parse(redirectURI) // validated at registration
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	q.Set("iss", s.cfg.Issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func optional(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// authorizeRedirectError sends an error to a verified redirect URI.
func (s *Server) authorizeRedirectError(w http.ResponseWriter, r *http.Request, redirectURI, state string, err error) {
	oe := asOAuthError(err)
	if oe.Status >= 500 {
		s.authorizeErrorPage(w, r, err)
		return
	}
	s.markFailure(r, markers.OAuthAuthorizeFailed, oe, err)
	s.redirect(w, r, redirectURI, url.Values{"error": {string(oe.Code)}, "error_description": {oe.Description}, "state": optional(state)})
}

// authorizeErrorPage answers an error that must not be redirected: a small
// HTML page for a person in a browser (a JSON 503 when Redis is down).
func (s *Server) authorizeErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	oe := asOAuthError(err)
	if oe.Status >= 500 {
		s.writeOAuthError(w, r, markers.OAuthAuthorizeFailed, err)
		return
	}
	s.markFailure(r, markers.OAuthAuthorizeFailed, oe, err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusBadRequest
	if oe.Status == http.StatusTooManyRequests {
		status = oe.Status // a limit (maxPendingConsents): retry later
	}
	w.WriteHeader(status)
	errorPage.Execute(w, oe)
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Authorization error</title></head>
<body><h1>Authorization error</h1><p><code>{{.Code}}</code>: {{.Description}}</p></body></html>
`))
