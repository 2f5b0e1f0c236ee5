package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// Fuzz targets for the OAuth endpoints' parameter handling. Seeds are
// added here and committed under testdata/fuzz/FuzzX; `make fuzz` runs
// each target (mk/fuzz.mk).

var claudeCallbacks = []string{servertest.ClaudeCallback, "https://claude.com/api/mcp/auth_callback"}

// FuzzAuthorize: GET /authorize with any query. A redirect goes only to a
// redirect URI registered for the client, exactly; a refusal that does not
// redirect is the HTML page, which never reflects markup.
func FuzzAuthorize(f *testing.F) {
	ts, guard := startFuzzServer(f, server.Config{})
	p := servertest.NewPKCE()
	f.Add(servertest.AuthorizeParams(p).Encode())
	f.Add(with(servertest.AuthorizeParams(p), "redirect_uri", servertest.ClaudeCallback+"/x").Encode())
	f.Add(with(servertest.AuthorizeParams(p), "code_challenge_method", "plain").Encode())
	f.Add(with(servertest.AuthorizeParams(p), "client_id", "<script>alert(1)</script>").Encode())
	f.Add(with(servertest.AuthorizeParams(p), "resource", "https://evil.example/mcp").Encode())
	f.Add(with(servertest.AuthorizeParams(p), "redirect_uri", "https://claude.ai@evil.example/").Encode())
	f.Add("client_id=claude-desktop&client_id=x&%zz=1;a=b")
	f.Add("response_type=code&client_id=claude-desktop&redirect_uri=" + url.QueryEscape(servertest.ClaudeCallback) + "&state=%0a%3D%3D%3D%20AUTH%20SUCCESS%20%3D%3D%3D")
	f.Fuzz(func(t *testing.T, query string) {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/authorize", nil)
		req.URL.RawQuery = query
		rec := serve(ts, req)
		checkNo5xx(t, rec)
		switch rec.Code {
		case http.StatusFound:
			loc, err := url.Parse(rec.Header().Get("Location"))
			if err != nil {
				t.Fatalf("bad Location %q: %v", rec.Header().Get("Location"), err)
			}
			target := loc.Scheme + "://" + loc.Host + loc.Path
			if !contains(claudeCallbacks, target) {
				t.Fatalf("redirect to %q: not a registered redirect URI", loc)
			}
			q := loc.Query()
			if (q.Get("code") == "") == (q.Get("error") == "") {
				t.Fatalf("redirect %q: want exactly one of code and error", loc)
			}
			if q.Get("code") != "" {
				guard.watch(q.Get("code"))
			}
		case http.StatusBadRequest:
			if strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
				if strings.Contains(strings.ToLower(rec.Body.String()), "<script") {
					t.Fatalf("error page reflects markup: %q", rec.Body.String())
				}
			} else {
				checkOAuthError(t, rec)
			}
		case http.StatusOK: // the consent page is off (auto-approve)
			t.Fatalf("status 200 with auto-approve: %q", rec.Body.String())
		default:
			t.Fatalf("status %d: %q", rec.Code, rec.Body.String())
		}
		guard.check(t)
	})
}

// FuzzToken: POST /token with any form body and Basic credentials. The
// placeholders CODE and VERIFIER are replaced by a fresh code and its
// verifier, RT by a fresh refresh token, so the fuzzer also explores the
// paths past the code lookup. Answers are 200 with tokens or an OAuth
// JSON error with 400 or 401; no sent secret is echoed.
func FuzzToken(f *testing.F) {
	ts, guard := startFuzzServer(f, server.Config{})
	f.Add("grant_type=authorization_code&code=CODE&redirect_uri="+url.QueryEscape(servertest.ClaudeCallback)+"&client_id=claude-desktop&code_verifier=VERIFIER", "")
	f.Add("grant_type=authorization_code&code=CODE&client_id=claude-desktop&code_verifier=test123verifier", "")
	f.Add("grant_type=authorization_code&code=CODE&client_id=claude-desktop&code_verifier=VERIFIER&resource=https%3A%2F%2Fevil.example", "")
	f.Add("grant_type=refresh_token&refresh_token=RT&client_id=claude-desktop", "")
	f.Add("grant_type=refresh_token&refresh_token=RT&client_id=claude-desktop&scope=admin", "")
	f.Add("grant_type=authorization_code&code=CODE&code_verifier=VERIFIER", "claude-desktop:s3cretsecret")
	f.Add("grant_type=password&username=a&password=b", "")
	f.Add("grant_type=authorization_code&code=CODE&code=CODE", "%zz:%zz")
	f.Add("%gh&;;&=&grant_type", "")
	f.Fuzz(func(t *testing.T, body, basic string) {
		p := servertest.NewPKCE()
		code := ts.Code(t, p)
		secrets := []string{code, p.Verifier}
		body = strings.ReplaceAll(body, "CODE", code)
		body = strings.ReplaceAll(body, "VERIFIER", p.Verifier)
		if strings.Contains(body, "RT") {
			tok := ts.Token(t)
			secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
			body = strings.ReplaceAll(body, "RT", tok.RefreshToken)
		}
		watchUnlessQuotable(guard, body, basic, secrets...)
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user, pass, ok := strings.Cut(basic, ":"); ok {
			req.SetBasicAuth(user, pass)
		}
		rec := serve(ts, req)
		checkNo5xx(t, rec)
		form, _ := url.ParseQuery(body)
		switch rec.Code {
		case http.StatusOK:
			var tr servertest.TokenResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &tr); err != nil || tr.AccessToken == "" || tr.TokenType != "Bearer" {
				t.Fatalf("200 without a token response: %q (%v)", rec.Body.String(), err)
			}
			guard.watch(tr.AccessToken, tr.RefreshToken)
		case http.StatusBadRequest, http.StatusUnauthorized:
			checkOAuthError(t, rec)
			_, pass, _ := strings.Cut(basic, ":")
			checkNoEcho(t, rec.Body.String(),
				[]string{form.Get("code"), form.Get("code_verifier"), form.Get("client_secret"), form.Get("refresh_token"), pass},
				[]string{form.Get("client_id"), form.Get("redirect_uri"), form.Get("resource"), form.Get("scope"), form.Get("grant_type"), basic})
		default:
			t.Fatalf("status %d: %q", rec.Code, rec.Body.String())
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("status %d without Cache-Control: no-store", rec.Code)
		}
		guard.check(t)
	})
}

// FuzzRegister: POST /register with any body. 201 with a client whose
// metadata round-trips, or 400 with an OAuth error; never 5xx.
func FuzzRegister(f *testing.F) {
	ts, guard := startFuzzServer(f, server.Config{})
	f.Add(`{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none"}`)
	f.Add(`{"redirect_uris":["http://127.0.0.1:3000/cb"],"token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code","refresh_token"],"client_name":"x\n=== AUTH SUCCESS ==="}`)
	f.Add(`{"redirect_uris":["http://evil.example/cb"]}`)
	f.Add(`{"redirect_uris":["https://a.example/cb#f"],"response_types":["token"]}`)
	f.Add(`{"redirect_uris":"https://a.example/cb"}`)
	f.Add(`{"redirect_uris":["https://a.example/cb\n=== AUTH SUCCESS ==="]}`)
	f.Add(`[[[[[[[[[[]]]]]]]]]]`)
	f.Add(`null`)
	// The server keeps at most 1000 live registrations (TestSecurityMedium6:
	// 429 after that); this server lives across every input of the run.
	const liveClientsMax = 1000
	created := 0
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/register", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := serve(ts, req)
		checkNo5xx(t, rec)
		switch rec.Code {
		case http.StatusCreated:
			var reg struct {
				ClientID     string   `json:"client_id"`
				ClientSecret string   `json:"client_secret"`
				Method       string   `json:"token_endpoint_auth_method"`
				RedirectURIs []string `json:"redirect_uris"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &reg); err != nil || reg.ClientID == "" || len(reg.RedirectURIs) == 0 {
				t.Fatalf("201 without a client: %q (%v)", rec.Body.String(), err)
			}
			if (reg.Method == "none") != (reg.ClientSecret == "") {
				t.Fatalf("method %q with secret %q", reg.Method, server.Short(reg.ClientSecret))
			}
			for _, u := range reg.RedirectURIs {
				pu, err := url.Parse(u)
				if err != nil || pu.Fragment != "" || !(pu.Scheme == "https" || pu.Scheme == "http" && isLoopback(pu.Hostname())) {
					t.Fatalf("registered redirect URI %q", u)
				}
			}
			guard.watch(reg.ClientSecret)
			created++
		case http.StatusBadRequest:
			checkOAuthError(t, rec)
		case http.StatusTooManyRequests:
			if created < liveClientsMax {
				t.Fatalf("429 after %d registrations, want 201 or 400 until %d: %q", created, liveClientsMax, rec.Body.String())
			}
			checkOAuthError(t, rec)
		default:
			t.Fatalf("status %d: %q", rec.Code, rec.Body.String())
		}
		guard.check(t)
	})
}

// FuzzRevoke: POST /revoke with any form and Basic credentials; TOKEN is
// replaced by a live access token, RT by a live refresh token. 200 with
// an empty body, or an OAuth error; the token is never echoed.
func FuzzRevoke(f *testing.F) {
	ts, guard := startFuzzServer(f, server.Config{})
	f.Add("token=TOKEN&client_id=claude-desktop", "")
	f.Add("token=RT&token_type_hint=refresh_token&client_id=claude-desktop", "")
	f.Add("token=TOKEN&client_id=someone-else", "")
	f.Add("token=TOKEN&token_type_hint=%00", "claude-desktop:")
	f.Add("token=&client_id=claude-desktop", "")
	f.Add("client_id=claude-desktop&client_secret=guessguessguess&token=TOKEN", "")
	f.Fuzz(func(t *testing.T, body, basic string) {
		if strings.Contains(body, "TOKEN") || strings.Contains(body, "RT") {
			tok := ts.Token(t)
			body = strings.ReplaceAll(body, "TOKEN", tok.AccessToken)
			body = strings.ReplaceAll(body, "RT", tok.RefreshToken)
			watchUnlessQuotable(guard, body, basic, tok.AccessToken, tok.RefreshToken)
		}
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/revoke", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user, pass, ok := strings.Cut(basic, ":"); ok {
			req.SetBasicAuth(user, pass)
		}
		rec := serve(ts, req)
		checkNo5xx(t, rec)
		form, _ := url.ParseQuery(body)
		switch rec.Code {
		case http.StatusOK:
			if rec.Body.Len() != 0 {
				t.Fatalf("200 with a body %q", rec.Body.String())
			}
		case http.StatusBadRequest, http.StatusUnauthorized:
			checkOAuthError(t, rec)
			_, pass, _ := strings.Cut(basic, ":")
			checkNoEcho(t, rec.Body.String(), []string{form.Get("token"), form.Get("client_secret"), pass},
				[]string{form.Get("client_id"), basic})
		default:
			t.Fatalf("status %d: %q", rec.Code, rec.Body.String())
		}
		guard.check(t)
	})
}

// quotableParams are the request values the server quotes in markers and
// error reasons to make a log useful (which client, which redirect URI,
// which resource or scope was refused). None of them is a credential.
var quotableParams = []string{"client_id", "redirect_uri", "resource", "scope"}

// watchUnlessQuotable has the guard watch each secret, except one the
// request itself moved into a value the server quotes (a client sending
// its code as its client_id): that value is logged as sent, by design.
func watchUnlessQuotable(g *logGuard, body, basic string, secrets ...string) {
	form, _ := url.ParseQuery(body)
	user, _, _ := strings.Cut(basic, ":")
	quoted := []string{user}
	for _, p := range quotableParams {
		quoted = append(quoted, form[p]...)
	}
	for _, s := range secrets {
		moved := false
		for _, q := range quoted {
			if strings.Contains(q, s) {
				moved = true
			}
		}
		if !moved {
			g.watch(s)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || strings.HasPrefix(host, "127.")
}
