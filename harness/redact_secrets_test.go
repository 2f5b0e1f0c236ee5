package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// TestSecurityMedium9RecorderWritesNoSecrets is issue 12 Medium 9: the
// recorder wrote X-Api-Key, X-Auth-Token, Proxy-Authorization, ?api_key=,
// JSON token/apiKey/session_token/password/authorization, a custom secret
// response header, a JWT, an sk-... key in tool arguments and SSE data and
// a 40-character refresh-token prefix raw to disk. A session full of them
// is recorded; none is in the file, and the fixture scanner (the same
// rules) finds nothing.
func TestSecurityMedium9RecorderWritesNoSecrets(t *testing.T) {
	const (
		apiKey      = "k3y-9f8e7d6c5b4a39281706f5e4"
		authToken   = "at-5c4b3a29180f7e6d5c4b3a2918"
		proxyCred   = "cHJveHl1c2VyOnByb3h5cGFzc3dvcmQ0Mg=="
		queryKey    = "q9w8e7r6t5y4u3i2o1p0asdf"
		jsonToken   = "tok_8a7s6d5f4g3h2j1k0lqwe"
		jsonAPIKey  = "ak_1q2w3e4r5t6y7u8i9o0p"
		sessionTok  = "st_0p9o8i7u6y5t4r3e2w1q"
		password    = "correct-horse-battery-staple-77"
		authzField  = "Token zx9cv8bn7m6a5s4d3f2g1h"
		respSecret  = "rs-1a2b3c4d5e6f7a8b9c0d1e2f"
		jwt         = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU"
		skKey       = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
		refresh     = "rt_Zy9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa9876543210zyx"
		userPattern = "acct-77731"
	)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Upstream-Secret", respSecret)
		switch r.URL.Path {
		case "/token":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":"%s","refresh_token":"%s","token_type":"Bearer"}`, "access-"+refresh[:30], refresh)
		case "/err":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"refresh token %s... is revoked"}`, refresh[:40])
		case "/sse":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"your key is %s, jwt %s, account %s\"}]}}\n\n", skKey, jwt, userPattern)
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":true}`)
		}
	}))
	t.Cleanup(upstream.Close)
	rec, err := NewRecorder(upstream.URL, &RecorderOptions{Upstream: "test", Version: "test", Redact: []*regexp.Regexp{regexp.MustCompile(`acct-[0-9]+`)}})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(rec)
	t.Cleanup(front.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	send := func(method, path, ct, body string, h map[string]string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, front.URL+path, strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	send("POST", "/token", "application/x-www-form-urlencoded", "grant_type=refresh_token&refresh_token=old", nil)
	send("GET", "/api?api_key="+queryKey, "", "", map[string]string{"X-Api-Key": apiKey, "X-Auth-Token": authToken, "Proxy-Authorization": "Basic " + proxyCred})
	send("POST", "/api", "application/json", fmt.Sprintf(`{"token":"%s","apiKey":"%s","session_token":"%s","password":"%s","authorization":"%s"}`, jsonToken, jsonAPIKey, sessionTok, password, authzField), nil)
	send("POST", "/sse", "application/json", fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ask","arguments":{"q":"use %s"}}}`, skKey), nil)
	send("GET", "/err", "", "", nil)
	if err := rec.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	rec.Close()
	path := filepath.Join(t.TempDir(), "secrets.yaml")
	if err := rec.Save(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	file := string(raw)
	for name, s := range map[string]string{
		"X-Api-Key": apiKey, "X-Auth-Token": authToken, "Proxy-Authorization": proxyCred, "?api_key=": queryKey,
		"JSON token": jsonToken, "JSON apiKey": jsonAPIKey, "JSON session_token": sessionTok, "JSON password": password,
		"JSON authorization": "zx9cv8bn7m6a5s4d3f2g1h", "response header": respSecret, "JWT": jwt, "sk- key": skKey,
		"40-character refresh-token prefix": refresh[:40], "--redact pattern": userPattern,
	} {
		if strings.Contains(file, s) {
			t.Errorf("%s is on disk: %s", name, markers.Short(s))
		}
	}
	for _, f := range scanSecrets(file) {
		t.Errorf("scanner: %s", f)
	}
	if got := RedactionSummary(mustLoad(t, path).Provenance.Placeholders); !strings.Contains(got, "SECRET") || !strings.Contains(got, "REDACTED") {
		t.Errorf("redaction summary = %q, want SECRET and REDACTED counted", got)
	}
}

func mustLoad(t *testing.T, path string) *Cassette {
	t.Helper()
	c, err := LoadCassette(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSecurityMedium9ScannerSharesRules: the fixture scanner flags each
// shape the recorder redacts (the same rules, secret_rules.go).
func TestSecurityMedium9ScannerSharesRules(t *testing.T) {
	for _, text := range []string{
		"headers:\n    X-Api-Key:\n        - k3y-9f8e7d6c5b4a39281706f5e4\n",
		"headers:\n    X-Upstream-Secret:\n        - rs-1a2b3c4d5e6f7a8b9c0d1e2f\n",
		"url: http://127.0.0.1:1/api?api_key=q9w8e7r6t5y4u3i2o1p0asdf\n",
		`body: '{"apiKey":"ak_1q2w3e4r5t6y7u8i9o0p"}'`,
		`body: '{"password":"correct-horse-battery-staple"}'`,
		`body: '{"session_token":"st_0p9o8i7u6y5t4r3e2w1q"}'`,
		"text: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLWJ5dGVz\n",
		"text: sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789\n",
	} {
		if len(scanSecrets(text)) == 0 {
			t.Errorf("scanner found nothing in %q", text)
		}
	}
	if got := scanSecrets(`body: '{"progressToken":"p1","token_type":"Bearer","token":"__SECRET_1__"}'`); len(got) != 0 {
		t.Errorf("scanner flagged public values and placeholders: %v", got)
	}
}
