package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcpvcr/mcpvcr/loopback"
	"github.com/mcpvcr/mcpvcr/markers"
)

// The exposure model (docs/oauth.md, "Exposing the server"). mcpvcr has no
// accounts: the consent page is the only gate before a token. On loopback
// that is enough (whoever reaches the page is on this machine). Behind a
// public tunnel anyone who finds the URL reaches the page, so there the
// page also asks for proof that the person controls the server:
//
//   - a one-time approval code, printed where only the operator sees it
//     (Config.ApprovalOutput: the terminal of `mcpvcr serve`), valid for
//     that one consent page; or
//   - Config.ConsentSecret, a secret the operator configured.
//
// A server is exposed when its issuer is not a loopback URL, or when a
// request arrives from a non-loopback peer or names a non-loopback Host
// (a tunnel in front of a loopback issuer). --auto-approve skips the page,
// so it is refused for a public issuer unless forced with
// --auto-approve-public, and an exposed request under it gets the page.

// ErrAutoApprovePublic is returned by New when AutoApprove is set for an
// issuer that is not loopback and AutoApprovePublic is not.
var ErrAutoApprovePublic = errors.New("--auto-approve with a public issuer hands a token to anyone who reaches the server")

// approvalCodeDigits is the length of a one-time approval code. A wrong
// guess spends the consent page (its CSRF token is single-use), so an
// attacker gets one try in 10^8 per page the operator sees printed.
const approvalCodeDigits = 8

// issuerIsPublic reports whether the issuer URL is reachable from other
// machines by design (a tunnel's https://NAME, a LAN address, 0.0.0.0).
func issuerIsPublic(issuer string) bool {
	u, err := url.Parse(issuer)
	return err != nil || !loopback.IsHost(u.Host)
}

// minConsentSecret is the shortest ConsentSecret accepted: unlike an
// approval code it is reused, so it must resist guessing on its own.
const minConsentSecret = 16

// checkExposureConfig is New's check of ConsentSecret and AutoApprove.
func (s *Server) checkExposureConfig() error {
	if n := len(s.cfg.ConsentSecret); n > 0 && n < minConsentSecret {
		return fmt.Errorf("consent secret: %d characters, want at least %d", n, minConsentSecret)
	}
	if !s.cfg.AutoApprove || !issuerIsPublic(s.cfg.Issuer) {
		return nil
	}
	if !s.cfg.AutoApprovePublic {
		return fmt.Errorf("%w (issuer %s): drop --auto-approve (the consent page then asks for an approval code printed here), or force it with --auto-approve-public", ErrAutoApprovePublic, s.cfg.Issuer)
	}
	s.log.Mark(context.Background(), markers.Critical, "AUTO-APPROVE ON A PUBLIC ISSUER (%s): anyone who reaches this server gets a token without consent. --auto-approve-public exists for throwaway tests; never leave it running", s.cfg.Issuer)
	return nil
}

// exposed reports whether r may come from someone who does not control
// the server.
func (s *Server) exposed(r *http.Request) bool {
	if issuerIsPublic(s.cfg.Issuer) || !loopback.IsHost(r.Host) {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	return err != nil || !loopback.IsHost(host)
}

// autoApproves reports whether r is granted without the consent page:
// only to a redirect URI the browser may be sent to unasked.
func (s *Server) autoApproves(r *http.Request, c *client, redirectURI string) bool {
	return s.cfg.AutoApprove && (s.cfg.AutoApprovePublic || !s.exposed(r)) && s.trustedRedirect(c, redirectURI)
}

// trustedRedirect reports whether the server may send a browser to
// redirectURI without a person having looked at it first (an auto-approved
// code, a denial, an error after the client is known). Anyone can register
// a client with https://evil.example/phish; sending a browser there
// straight from /authorize makes the server an open redirector
// (RFC 9700 §4.11). Trusted are a static client's own callbacks (Claude's
// among them), loopback callbacks (native apps, RFC 8252 §7.3) and the
// hosts in Config.TrustedRedirectHosts.
func (s *Server) trustedRedirect(c *client, redirectURI string) bool {
	if c.Static {
		return true
	}
	u, err := url.Parse(redirectURI)
	if err != nil {
		return false
	}
	if loopback.IsHost(u.Host) {
		return true
	}
	for _, sc := range append([]StaticClient{ClaudeDesktop}, s.cfg.Clients...) {
		if slicesContains(sc.RedirectURIs, redirectURI) {
			return true
		}
	}
	for _, h := range s.cfg.TrustedRedirectHosts {
		if strings.EqualFold(u.Host, h) {
			return true
		}
	}
	return false
}

func slicesContains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// newApprovalCode returns a one-time approval code ("1234-5678") and the
// hash stored with the consent request, and prints the code for the
// operator. The client's name and redirect host are printed too, so the
// operator can tell whose request they are approving.
func (s *Server) newApprovalCode(ar *authorizeRequest) (hash string, err error) {
	if s.cfg.ApprovalOutput == nil {
		return "", refuse(OAuthAccessDenied, "this server is exposed and has no way to prove consent: configure a consent secret (--consent-secret) or an approval code output")
	}
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", err
	}
	code := fmt.Sprintf("%08d", n.Int64())
	code = code[:4] + "-" + code[4:]
	fmt.Fprintf(s.cfg.ApprovalOutput, "mcpvcr: approval code %s for client %s (redirects to %s); one use, valid %s\n",
		code, logValue(ar.ClientID), logValue(redirectHost(ar.RedirectURI)), consentTTL)
	return approvalHash(code), nil
}

// approvalHash is what is stored for a code: never the code itself.
func approvalHash(code string) string {
	code = strings.NewReplacer("-", "", " ", "").Replace(code)
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// checkApproval verifies the proof a consent form carries (approval_code)
// against the consent request's code or the configured secret.
func (s *Server) checkApproval(r *http.Request, ar *authorizeRequest) error {
	got := r.PostForm.Get("approval_code")
	switch {
	case !ar.NeedsApproval:
		return nil
	case got == "":
		return refuse(OAuthAccessDenied, "approval code required: this server is exposed, enter the code printed in its terminal")
	case s.cfg.ConsentSecret != "":
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.ConsentSecret)) == 1 {
			return nil
		}
	case subtle.ConstantTimeCompare([]byte(approvalHash(got)), []byte(ar.ApprovalHash)) == 1:
		return nil
	}
	return refuse(OAuthAccessDenied, "wrong approval code; start the authorization again for a new one")
}

// redirectHost is the host a redirect URI sends the browser to, shown on
// the consent page and with the approval code.
func redirectHost(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Host == "" {
		return redirectURI
	}
	return u.Host
}
