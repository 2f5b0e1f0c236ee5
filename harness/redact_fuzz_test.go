package harness

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// tokenAlphabet is RFC 3986's unreserved set, which base64url tokens,
// PKCE verifiers and this server's codes are drawn from: every spelling
// (raw, query, path, JSON) of such a secret is the same text.
const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"

// FuzzRedactAndFill puts a secret in the places a recording holds one (an
// authorize redirect's query, a Bearer header, a token response) next to
// arbitrary text that may contain it again, then checks the redactor's
// promise and the replayer's: the redacted interaction holds no copy of the
// secret, and filling each placeholder with its value, the way the
// replayer builds a request, gives back exactly the recorded text.
func FuzzRedactAndFill(f *testing.F) {
	f.Add([]byte("eyJhbGciOi.JIUzI1NiJ9-x_y~z"), "plain note")
	f.Add([]byte("abcdef"), "abcdefabcdef and \"abcdef\" and abcdeabcdef")
	f.Add([]byte("s3cr3t"), "__ACCESS_TOKEN_")
	f.Add([]byte("A"), "ünïcödé <tag> & \\ \" \x00")
	f.Add([]byte("token_with_underscores"), "prefix_token_with_underscores_suffix")
	f.Fuzz(func(t *testing.T, raw []byte, text string) {
		secret := tokenFrom(raw)
		if placeholderRE.MatchString(text) {
			t.Skip("a recording that already holds placeholder text cannot be told apart from a redacted one")
		}
		in := secretInteraction(secret, text)
		orig := interactionTexts(in)

		r := NewRedactor()
		c := &Cassette{Interactions: []*Interaction{in}}
		r.RedactCassette(c)
		redacted := interactionTexts(in)
		for name, s := range redacted {
			// A match that takes in part of a placeholder is the
			// placeholder, not the secret: blank placeholders out first.
			if strings.Contains(placeholderRE.ReplaceAllString(s, "\x00"), secret) {
				t.Fatalf("%s still holds the secret %q after redaction: %q", name, secret, s)
			}
		}

		b := newBindings()
		for value, p := range r.byValue {
			b.bind(p, value)
		}
		fillParam := func(_, v string) string { return b.fill(v, identity) }
		u, err := url.Parse(in.Request.URL)
		if err != nil {
			t.Fatalf("redacted URL %q does not parse: %v", in.Request.URL, err)
		}
		filled := map[string]string{
			"query":  rewriteParams(u.RawQuery, fillParam),
			"header": b.fill(in.Request.Headers.Get("Authorization"), identity),
			"body":   b.fill(in.Response.Body, jsonEscape),
		}
		for name, want := range orig {
			if got := filled[name]; got != want {
				t.Errorf("%s filled = %q, want %q (redacted %q)", name, got, want, redacted[name])
			}
		}
	})
}

// tokenFrom maps fuzz bytes onto tokenAlphabet, at least minGlobalSecret
// long (shorter secrets are only replaced as whole JSON strings).
func tokenFrom(raw []byte) string {
	var b strings.Builder
	for _, c := range raw {
		b.WriteByte(tokenAlphabet[int(c)%len(tokenAlphabet)])
	}
	for b.Len() < minGlobalSecret {
		b.WriteByte('x')
	}
	return b.String()
}

func secretInteraction(secret, text string) *Interaction {
	in := &Interaction{}
	in.Request = cassette.Request{
		Method:  "GET",
		URL:     "http://127.0.0.1:1/callback?code=" + url.QueryEscape(secret) + "&note=" + url.QueryEscape(text),
		Headers: http.Header{"Authorization": {"Bearer " + secret}},
	}
	body, _ := json.Marshal(map[string]string{"access_token": secret, "note": text})
	in.Response = cassette.Response{
		Code:    200,
		Headers: http.Header{"Content-Type": {"application/json"}},
		Body:    string(body),
	}
	return in
}

// interactionTexts returns the strings of in that can hold a secret.
func interactionTexts(in *Interaction) map[string]string {
	u, _ := url.Parse(in.Request.URL)
	return map[string]string{
		"query":  u.RawQuery,
		"header": in.Request.Headers.Get("Authorization"),
		"body":   in.Response.Body,
	}
}
