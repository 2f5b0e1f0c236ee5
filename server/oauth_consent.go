package server

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"github.com/mcpvcr/mcpvcr/markers"
)

// The consent page (without --auto-approve). It is CSRF-safe without
// cookies: the form carries a single-use token of 256 random bits that
// names the pending request in Redis, so a forged POST has nothing valid to
// send, and a replayed one finds the token spent. A cross-origin POST is
// refused outright, and the page cannot be framed (clickjacking).

// consentDecision is the value of the consent form's "decision" button.
type consentDecision string

const (
	consentApprove consentDecision = "approve"
	consentDeny    consentDecision = "deny"
)

// showConsent stores ar under a fresh CSRF token and renders the page.
func (s *Server) showConsent(w http.ResponseWriter, r *http.Request, ar *authorizeRequest) {
	if s.exposed(r) {
		ar.NeedsApproval = true
		if s.cfg.ConsentSecret == "" {
			hash, err := s.newApprovalCode(ar)
			if err != nil {
				s.authorizeErrorPage(w, r, err)
				return
			}
			ar.ApprovalHash = hash
		}
	}
	csrf := randomToken(32)
	st := s.oauth.store
	switch err := st.admit(r.Context(), keyConsents, hashSecret(csrf), consentTTL, maxPendingConsents); {
	case errors.Is(err, errFull):
		s.authorizeErrorPage(w, r, &oauthError{Code: OAuthTemporarilyUnavailable, Status: http.StatusTooManyRequests,
			Description: fmt.Sprintf("%d consent pages are awaiting an answer, the most this server keeps; each expires %s after it was shown", maxPendingConsents, consentTTL)})
		return
	case err != nil:
		s.authorizeErrorPage(w, r, err)
		return
	}
	if err := st.putJSON(r.Context(), st.secretKey(keyConsent, csrf), ar, consentTTL); err != nil {
		s.authorizeErrorPage(w, r, err)
		return
	}
	s.log.Mark(r.Context(), markers.OAuthConsentShown, "client_id=%s scope=%q resource=%s", ar.ClientID, ar.Scope, ar.Resource)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	consentPage.Execute(w, struct {
		*authorizeRequest
		CSRF, Action, RedirectHost string
		Secret                     bool
	}{ar, csrf, pathAuthorize, redirectHost(ar.RedirectURI), s.cfg.ConsentSecret != ""})
}

// authorizeConsent handles the consent form's POST.
func (s *Server) authorizeConsent(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" && origin != s.issuerOrigin() {
		s.authorizeErrorPage(w, r, refuse(OAuthAccessDenied, "cross-origin consent from %q refused", origin))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.authorizeErrorPage(w, r, refuse(OAuthInvalidRequest, "malformed consent form: %v", err))
		return
	}
	csrf := r.PostForm.Get("csrf")
	if csrf == "" {
		s.authorizeErrorPage(w, r, refuse(OAuthInvalidRequest, "consent form without its csrf token"))
		return
	}
	var ar authorizeRequest
	st := s.oauth.store
	err := st.takeJSON(r.Context(), st.secretKey(keyConsent, csrf), &ar)
	if errors.Is(err, errNotFound) {
		s.authorizeErrorPage(w, r, refuse(OAuthInvalidRequest, "consent expired or already answered; start the authorization again"))
		return
	}
	if err != nil {
		s.authorizeErrorPage(w, r, err)
		return
	}
	switch consentDecision(r.PostForm.Get("decision")) {
	case consentApprove:
		if err := s.checkApproval(r, &ar); err != nil {
			s.authorizeErrorPage(w, r, err)
			return
		}
		s.log.Mark(r.Context(), markers.OAuthConsentGranted, "client_id=%s", ar.ClientID)
		s.issueCode(w, r, &ar)
	default:
		oe := refuse(OAuthAccessDenied, "the user denied the request")
		s.markFailure(r, markers.OAuthConsentDenied, oe, oe)
		if c, err := s.lookupClient(r.Context(), ar.ClientID); err != nil || !s.trustedRedirect(c, ar.RedirectURI) {
			// A denial of a client registered with someone's phishing page
			// must not send the browser there (RFC 9700 §4.11.1).
			s.authorizeErrorPage(w, r, refuse(OAuthAccessDenied, "denied; not redirecting to %s, a host this server does not vouch for", redirectHost(ar.RedirectURI)))
			return
		}
		s.redirect(w, r, ar.RedirectURI, url.Values{"error": {string(oe.Code)}, "error_description": {oe.Description}, "state": optional(ar.State)})
	}
}

// issuerOrigin returns scheme://host[:port] of the issuer, what a browser
// sends as Origin from the consent page.
func (s *Server) issuerOrigin() string {
	u, _ := url.Parse(s.cfg.Issuer)
	return u.Scheme + "://" + u.Host
}

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Authorize {{if .ClientName}}{{.ClientName}}{{else}}{{.ClientID}}{{end}}</title>
<style>body{font-family:sans-serif;max-width:32em;margin:3em auto}button{font-size:1em;margin-right:1em}</style></head>
<body>
<h1>Authorize {{if .ClientName}}{{.ClientName}}{{else}}{{.ClientID}}{{end}}?</h1>
<p>Client <code>{{.ClientID}}</code> asks for access to <code>{{.Resource}}</code>
with scope <code>{{.Scope}}</code>, and will be sent back to <strong>{{.RedirectHost}}</strong> (<code>{{.RedirectURI}}</code>).</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
{{if .NeedsApproval}}<p>This server is reachable from outside this machine. To approve, prove you run it:
{{if .Secret}}enter its consent secret{{else}}enter the approval code just printed in the terminal of <code>mcpvcr serve</code>{{end}}.</p>
<p><label>{{if .Secret}}Consent secret{{else}}Approval code{{end}} <input name="approval_code" autocomplete="off" required></label></p>
{{end}}<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>
`))
