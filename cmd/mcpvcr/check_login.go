package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/mcpvcr/mcpvcr/server"
)

// checkLogin gets check a token when the server's OAuth needs a person,
// the way mcp-remote does: it registers a client whose redirect URI is a
// loopback callback of its own, prints the authorization URL (and, on a
// terminal, offers to open it), catches the code on the callback and
// redeems it. The grant is cached per issuer (tokenCache) and refreshed
// with its refresh token on later runs, so the person is asked once.
//
//	check ──401──► protected resource metadata ──► issuer
//	  │ register (redirect http://127.0.0.1:PORT/callback)
//	  │ GET /authorize without a browser: 302 with a code? no person needed
//	  │ otherwise: print the URL ──► person approves ──► /callback?code=
//	  └─► /token ──► cached grant (0600) ──► Authorization on every replay
type checkLogin struct {
	// mcpURL is the server's MCP endpoint.
	mcpURL string
	// force: a new interactive grant, whatever the cache holds (--login).
	force bool
	// cache keeps grants between runs.
	cache *tokenCache
	// out gets the URL and progress lines; offer, when set, is read for
	// the Enter that opens the URL with open.
	out   io.Writer
	offer io.Reader
	open  func(url string) error
	// wait is how long the person has to approve.
	wait time.Duration
	// hc sends every request (10 s timeout).
	hc *http.Client
}

// defaultLoginWait is how long check waits for the person's approval.
const defaultLoginWait = 5 * time.Minute

// loginGrant is what checkLogin found: the access token to replay with,
// and whether a person had to approve (then no recorded OAuth flow can
// replay on its own: every session uses the token).
type loginGrant struct {
	AccessToken  string
	PersonNeeded bool
}

// token is the grant's access token, "" without a grant.
func (g *loginGrant) token() string {
	if g == nil {
		return ""
	}
	return g.AccessToken
}

// grant returns a token for the server, or nil when it needs none (no
// OAuth, or a 401 with no OAuth metadata to act on: then it says so).
func (l *checkLogin) grant(ctx context.Context) (*loginGrant, error) {
	resource, issuer, scope, err := l.discover(ctx)
	if err != nil || issuer == "" {
		return nil, err
	}
	if !l.force {
		if g, err := l.cached(ctx, issuer, resource); err != nil || g != nil {
			return g, err
		}
	}
	return l.login(ctx, issuer, resource, scope)
}

// discover asks the MCP endpoint without credentials: a 401 names the
// protected resource metadata (RFC 9728), which names the issuer. It
// returns "" for the issuer when the server does not want OAuth. scope is
// what to ask for: the challenge's scope, else every scope the metadata
// names (MCP's scope selection).
func (l *checkLogin) discover(ctx context.Context) (resource, issuer, scope string, err error) {
	status, challenge, err := l.probe(ctx, "")
	if err != nil {
		return "", "", "", fmt.Errorf("login: %w", err)
	}
	if status != http.StatusUnauthorized {
		return "", "", "", nil
	}
	u, err := url.Parse(l.mcpURL)
	if err != nil {
		return "", "", "", err
	}
	prm := u.Scheme + "://" + u.Host + "/.well-known/oauth-protected-resource" + strings.TrimSuffix(u.EscapedPath(), "/")
	if m := resourceMetadataRE.FindStringSubmatch(challenge); m != nil {
		prm = m[1]
	}
	var md struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	if err := l.getJSON(ctx, prm, &md); err != nil || len(md.AuthorizationServers) == 0 {
		fmt.Fprintf(l.out, "mcpvcr check: %s answers 401 but names no OAuth authorization server (%s: %v): give --bearer TOKEN or --header 'K: V'\n", l.mcpURL, prm, err)
		return "", "", "", nil
	}
	scope = strings.Join(md.ScopesSupported, " ")
	if m := scopeRE.FindStringSubmatch(challenge); m != nil {
		scope = m[1]
	}
	return md.Resource, md.AuthorizationServers[0], scope, nil
}

// resourceMetadataRE and scopeRE find resource_metadata and scope in a
// WWW-Authenticate challenge.
var (
	resourceMetadataRE = regexp.MustCompile(`resource_metadata="([^"]+)"`)
	scopeRE            = regexp.MustCompile(`\bscope="([^"]+)"`)
)

// probe sends a ping with bearer (none when "") and returns the status and
// the WWW-Authenticate challenge. A ping outside a session creates none.
func (l *checkLogin) probe(ctx context.Context, bearer string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.mcpURL, strings.NewReader(`{"jsonrpc":"2.0","id":0,"method":"ping"}`))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := l.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Www-Authenticate"), nil
}

func (l *checkLogin) getJSON(ctx context.Context, u string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := l.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s = %s", u, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

// cached returns the cached grant for issuer when the server still takes
// its token, refreshing it first when it has expired or is refused; nil
// when there is none or it cannot be refreshed (log in again).
func (l *checkLogin) cached(ctx context.Context, issuer, resource string) (*loginGrant, error) {
	g, err := l.cache.load(issuer)
	if err != nil || g == nil {
		return nil, err
	}
	if g.fresh(time.Now()) {
		if status, _, err := l.probe(ctx, g.AccessToken); err == nil && status != http.StatusUnauthorized {
			fmt.Fprintf(l.out, "mcpvcr check: using the cached grant for %s (access token %s, %s)\n", issuer, server.Short(g.AccessToken), l.cache.path(issuer))
			return &loginGrant{AccessToken: g.AccessToken, PersonNeeded: true}, nil
		}
	}
	if g.RefreshToken == "" {
		return nil, nil
	}
	c := &oauthclient.Client{Issuer: issuer, HTTPClient: l.hc, ClientID: g.ClientID, ClientSecret: g.ClientSecret, Resource: resource}
	if _, err := c.Discover(ctx); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	tok, err := c.Refresh(ctx, g.RefreshToken)
	if err != nil {
		fmt.Fprintf(l.out, "mcpvcr check: refreshing the cached grant for %s failed (%v): logging in again\n", issuer, err)
		return nil, nil
	}
	l.keep(g, tok)
	if err := l.cache.save(g); err != nil {
		return nil, err
	}
	fmt.Fprintf(l.out, "mcpvcr check: refreshed the cached grant for %s (access token %s, %s)\n", issuer, server.Short(g.AccessToken), l.cache.path(issuer))
	return &loginGrant{AccessToken: g.AccessToken, PersonNeeded: true}, nil
}

// keep puts tok into g (a refresh answer may keep the old refresh token).
func (l *checkLogin) keep(g *cachedGrant, tok *oauthclient.Token) {
	g.AccessToken = tok.AccessToken
	if tok.RefreshToken != "" {
		g.RefreshToken = tok.RefreshToken
	}
	g.ExpiresAt = time.Time{}
	if tok.ExpiresIn > 0 {
		g.ExpiresAt = time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
}

// login registers a client with a loopback callback and runs the
// authorization request: without a browser first (an issuer that approves
// without a person answers with the code at once), then through the person.
func (l *checkLogin) login(ctx context.Context, issuer, resource, scope string) (*loginGrant, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("login: callback: %w", err)
	}
	callback := "http://" + ln.Addr().String() + "/callback"
	c := &oauthclient.Client{Issuer: issuer, HTTPClient: l.hc, ClientName: "mcpvcr check", RedirectURI: callback, Resource: resource, Scope: scope}
	if _, err := c.Discover(ctx); err != nil {
		ln.Close()
		return nil, fmt.Errorf("login: %w", err)
	}
	if err := c.Register(ctx); err != nil {
		ln.Close()
		return nil, fmt.Errorf("login: registering a client at %s: %w", issuer, err)
	}
	p, state := oauthclient.NewPKCE(), rand.Text()
	authURL := c.AuthorizeURL(p, state)
	answers := make(chan callbackAnswer, 1)
	srv := &http.Server{Handler: callbackHandler(state, answers), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	person := true
	if !l.force {
		if code, ok := l.withoutPerson(ctx, authURL, callback, state); ok {
			answers <- callbackAnswer{code: code}
			person = false
		}
	}
	if person {
		fmt.Fprintf(l.out, "\nmcpvcr check: %s needs a person to approve this check. Open this URL in a browser, log in and approve:\n\n  %s\n\n", issuer, authURL)
		if l.offer != nil && l.open != nil {
			fmt.Fprintf(l.out, "Press Enter to open it in your browser.\n")
			go func() {
				if _, err := bufio.NewReader(l.offer).ReadString('\n'); err == nil {
					if err := l.open(authURL); err != nil {
						fmt.Fprintf(l.out, "mcpvcr check: could not open a browser (%v): open the URL yourself\n", err)
					}
				}
			}()
		}
		fmt.Fprintf(l.out, "Waiting up to %s for the answer on %s ...\n", l.wait, callback)
	}
	var ans callbackAnswer
	select {
	case ans = <-answers:
	case <-time.After(l.wait):
		return nil, fmt.Errorf("login: no answer on %s within %s", callback, l.wait)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if ans.err != nil {
		return nil, fmt.Errorf("login: %w", ans.err)
	}
	tok, err := c.Exchange(ctx, ans.code, p)
	if err != nil {
		return nil, fmt.Errorf("login: redeeming the code: %w", err)
	}
	if !person {
		return &loginGrant{AccessToken: tok.AccessToken}, nil
	}
	g := &cachedGrant{Issuer: issuer, Resource: resource, ClientID: c.ClientID, ClientSecret: c.ClientSecret}
	l.keep(g, tok)
	if err := l.cache.save(g); err != nil {
		return nil, err
	}
	fmt.Fprintf(l.out, "mcpvcr check: logged in at %s (access token %s); the grant is cached in %s (mode 0600) and refreshed from there next time\n",
		issuer, server.Short(g.AccessToken), l.cache.path(issuer))
	return &loginGrant{AccessToken: g.AccessToken, PersonNeeded: true}, nil
}

// withoutPerson sends the authorization request as a browser would,
// without following the redirect: a 302 to the callback with the code
// means the issuer approves without a person (mcpvcr serve --auto-approve).
func (l *checkLogin) withoutPerson(ctx context.Context, authURL, callback, state string) (string, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return "", false
	}
	hc := *l.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		return "", false
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), callback) || loc.Query().Get("state") != state {
		return "", false
	}
	code := loc.Query().Get("code")
	return code, code != ""
}

// callbackAnswer is what the authorization server's redirect brought.
type callbackAnswer struct {
	code string
	err  error
}

// callbackHandler answers the browser's redirect to the loopback callback
// and hands the first code (or refusal) with the right state to answers.
func callbackHandler(state string, answers chan<- callbackAnswer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/callback" || q.Get("state") != state {
			http.Error(w, "mcpvcr check: not the answer to this login (wrong path or state)", http.StatusBadRequest)
			return
		}
		ans := callbackAnswer{code: q.Get("code")}
		msg := "mcpvcr check: logged in. You can close this tab; the check goes on in the terminal."
		switch {
		case q.Get("error") != "":
			ans = callbackAnswer{err: fmt.Errorf("the authorization server refused: %s %s", q.Get("error"), q.Get("error_description"))}
			msg = "mcpvcr check: the login was refused (" + q.Get("error") + ")."
		case ans.code == "":
			ans = callbackAnswer{err: errors.New("the callback came without a code")}
			msg = "mcpvcr check: the callback came without a code."
		}
		select {
		case answers <- ans:
		default: // answered already
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>mcpvcr check</title><p>%s</p>\n", html.EscapeString(msg))
	})
}

// openBrowser opens u in the user's browser.
func openBrowser(u string) error {
	switch runtime.GOOS {
	case "darwin":
		return exec.Command("open", u).Start()
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", u).Start()
	}
	return exec.Command("xdg-open", u).Start()
}

// interactiveStdin is os.Stdin when a person is at a terminal to press
// Enter, else nil.
func interactiveStdin(stderr io.Writer) io.Reader {
	if isTerminal(os.Stdin) && isTerminal(stderr) {
		return os.Stdin
	}
	return nil
}
