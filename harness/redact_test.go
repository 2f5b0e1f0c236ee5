package harness

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// secretSession returns interactions of an OAuth + MCP session holding the
// given secrets in every place a secret can hide.
func secretSession() (*Cassette, map[string]string) {
	s := map[string]string{
		"client_id":     "cid-8f3a9b2c7d",
		"client_secret": "csecret-Zx81Qp0wLm",
		"code":          "code-4kT9mN2pQr",
		"verifier":      "verif-~Ab_9.xYz0123456789",
		"challenge":     "chal-Qw3Er5Ty7Ui9",
		"state":         "st8-Yu7Hb3",
		"access":        "at-Q1w2E3r4T5y6U7",
		"refresh":       "rt-P0o9I8u7Y6t5",
		"session":       "sess-A1b2C3d4",
	}
	c := &Cassette{}
	add := func(req cassette.Request, resp cassette.Response) {
		in := &Interaction{}
		in.Request, in.Response = req, resp
		c.Interactions = append(c.Interactions, in)
	}
	jsonH := http.Header{"Content-Type": {"application/json"}}
	add(cassette.Request{Method: "POST", URL: "http://o/register", Headers: jsonH, Body: `{"redirect_uris":["http://127.0.0.1/cb"]}`},
		cassette.Response{Code: 201, Headers: jsonH, Body: `{"client_id":"` + s["client_id"] + `","client_secret":"` + s["client_secret"] + `"}`})
	q := url.Values{"client_id": {s["client_id"]}, "code_challenge": {s["challenge"]}, "state": {s["state"]}, "response_type": {"code"}}
	add(cassette.Request{Method: "GET", URL: "http://o/authorize?" + q.Encode()},
		cassette.Response{Code: 302, Headers: http.Header{"Location": {"http://127.0.0.1/cb?code=" + s["code"] + "&state=" + s["state"]}}})
	form := url.Values{"grant_type": {"authorization_code"}, "code": {s["code"]}, "code_verifier": {s["verifier"]}}
	basic := base64.StdEncoding.EncodeToString([]byte(s["client_id"] + ":" + s["client_secret"]))
	add(cassette.Request{Method: "POST", URL: "http://o/token", Headers: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Authorization": {"Basic " + basic}}, Body: form.Encode(),
		Form: form},
		cassette.Response{Code: 200, Headers: jsonH, Body: `{"access_token":"` + s["access"] + `","refresh_token":"` + s["refresh"] + `"}`})
	add(cassette.Request{Method: "POST", URL: "http://o/mcp", Headers: http.Header{"Authorization": {"Bearer " + s["access"]}}, Body: `{"jsonrpc":"2.0","id":1,"method":"initialize"}`},
		cassette.Response{Code: 200, Headers: http.Header{"Mcp-Session-Id": {s["session"]}, "Content-Type": {"text/event-stream"}}, Body: "id: 0\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"})
	add(cassette.Request{Method: "GET", URL: "http://o/mcp", Headers: http.Header{"Authorization": {"Bearer " + s["access"]}, "Mcp-Session-Id": {s["session"]}, "Last-Event-ID": {"0"}}},
		cassette.Response{Code: 200, Headers: http.Header{"Content-Type": {"text/event-stream"}}})
	c.Interactions[3].Stream.Events = []StreamEvent{{ID: "0"}}
	return c, s
}

func TestRedactorRemovesEverySecret(t *testing.T) {
	c, secrets := secretSession()
	NewRedactor().RedactCassette(c)
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for name, s := range secrets {
		for _, spelled := range spellings(s) {
			if strings.Contains(text, spelled) {
				t.Errorf("%s %q still in cassette", name, spelled)
			}
		}
	}
	for _, want := range []string{
		`client_id":"__CLIENT_ID_1__"`,
		"code=__CODE_1__&state=__STATE_1__",
		"code_challenge=__CODE_CHALLENGE_1__",
		"code_verifier=__CODE_VERIFIER_1__",
		"Bearer __ACCESS_TOKEN_1__",
		"__SESSION_ID_1__",
		"id: __EVENT_ID_1__",
		"__REFRESH_TOKEN_1__",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("cassette lacks %q", want)
		}
	}
	if got := c.Interactions[2].Request.Headers.Get("Authorization"); got != "Basic "+base64.StdEncoding.EncodeToString([]byte("__CLIENT_ID_1__:__CLIENT_SECRET_1__")) {
		t.Errorf("Basic = %q", got)
	}
	if got := c.Interactions[4].Request.Headers["Last-Event-ID"]; len(got) != 1 || got[0] != "__EVENT_ID_1__" {
		t.Errorf("Last-Event-ID = %q, want __EVENT_ID_1__", got)
	}
	if got := c.Interactions[2].Request.Form.Get("code"); got != "__CODE_1__" {
		t.Errorf("Form code = %q, want __CODE_1__", got)
	}
	if strings.Contains(c.Interactions[3].Request.Body, "EVENT_ID") {
		t.Errorf("short event id clobbered the JSON-RPC id: %s", c.Interactions[3].Request.Body)
	}
}

func TestRedactorSameSecretSamePlaceholder(t *testing.T) {
	r := NewRedactor()
	a := r.Placeholder(AccessToken, "tok-123456")
	b := r.Placeholder(RefreshToken, "tok-123456")
	c := r.Placeholder(AccessToken, "tok-abcdef")
	if a != b || a != "__ACCESS_TOKEN_1__" || c != "__ACCESS_TOKEN_2__" {
		t.Errorf("placeholders = %s %s %s", a, b, c)
	}
}

// TestRedactorNumbersPlaceholdersInAStableOrder redacts the same session
// many times: the placeholders must come out numbered the same way each
// time (JSON keys, headers and forms are walked in sorted order), so a
// re-recorded fixture differs only where the session did.
func TestRedactorNumbersPlaceholdersInAStableOrder(t *testing.T) {
	var want []byte
	for i := range 30 {
		c, _ := secretSession()
		NewRedactor().RedactCassette(c)
		got, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = got
			continue
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("redaction %d differs from the first:\n%s\nwant:\n%s", i, got, want)
		}
	}
}

// TestConsentFormCSRFTokenIsRedacted: a browser approving the consent page
// through the recorder posts the page's anti-forgery token; it must not
// reach the fixture, in the form or in the page that carried it.
func TestConsentFormCSRFTokenIsRedacted(t *testing.T) {
	const token = "Zq3xV8mN1pR7sT4wY6bC9dF2gH5jK0lLqWeRtYuIoPa"
	page := &Interaction{}
	page.Request.Method, page.Request.URL = "GET", "https://a.example/authorize?client_id=x"
	page.Response.Headers = map[string][]string{"Content-Type": {"text/html; charset=utf-8"}}
	page.Response.Body = `<form method="post"><input type="hidden" name="csrf" value="` + token + `"></form>`
	post := &Interaction{}
	post.Request.Method, post.Request.URL = "POST", "https://a.example/authorize"
	post.Request.Headers = map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}
	post.Request.Body = "csrf=" + token + "&decision=approve"
	c := &Cassette{Interactions: []*Interaction{page, post}}
	NewRedactor().RedactCassette(c)
	for i, in := range c.Interactions {
		if all := in.Request.Body + in.Response.Body; strings.Contains(all, token) || !strings.Contains(all, "__CSRF_TOKEN_1__") {
			t.Errorf("interaction %d: got %q, want the token replaced by __CSRF_TOKEN_1__", i, all)
		}
	}
}
