package harness

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/fixtureclients"
	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// fixturesDir holds recorded sessions (DESIGN.md).
const fixturesDir = "../fixtures"

// sessionFixture is go-sdk's client's OAuth session, recorded through
// `mcpvcr record` in front of `mcpvcr serve --auto-approve` by `make
// fixtures`; the fixtures package replays every fixture against a fresh
// server.
const sessionFixture = fixturesDir + "/gosdk_oauth_session.yaml"

var (
	// A secret-carrying key followed by its value, in JSON, YAML, a query
	// string or a form.
	secretKeyRE = regexp.MustCompile(`(?i)\b(access_token|refresh_token|id_token|client_secret|code_verifier|code_challenge|code|state|token|assertion|registration_access_token|password|api_key|apikey)\b["']?\s*[:=]\s*(?:-\s+)?["']?([^"'&\s,}\\]*)`)
	// A name and its value, in JSON, YAML (a header's list on the next
	// line), a query string or a form; isSecretName decides.
	namedValueRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9_.-]{0,60})\\?["']?\s*[:=]\s*\n?\s*(?:-\s+)?\\?["']?([^"'&\s,}\\]+)`)
	// An Authorization header value.
	authRE = regexp.MustCompile(`(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/-]+=*)(")?`)
	// A header whose value is a session or event id, as YAML lists it.
	idHeaderRE = regexp.MustCompile(`(?i)(mcp-session-id|last-event-id)["']?:\s*\n?\s*-?\s*["']?([^"'\s]+)`)
	// Any long run of token characters mixing letters and digits: random
	// ids, base32/base64 tokens, hex keys.
	tokenLikeRE  = regexp.MustCompile(`[A-Za-z0-9_~+-]{16,}`)
	isoTimeRE    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT`)
	jsonEscapeRE = regexp.MustCompile(`\\u[0-9a-fA-F]{4}`)
	// A percent escape in a URL or form ("scope=mcp%20offline_access").
	percentEscapeRE = regexp.MustCompile(`%[0-9a-fA-F]{2}`)
	// RFC 7591's software_id names the client software and is the same in
	// every installation (mcp-remote sends a UUID from its source), so it
	// is public, not a secret.
	softwareIDRE = regexp.MustCompile(`"software_id\\?"\s*:\s*\\?"[0-9A-Za-z-]*\\?"`)
	hasLetterRE  = regexp.MustCompile(`[A-Za-z]`)
	hasDigitRE   = regexp.MustCompile(`[0-9]`)
)

// scanSecrets returns a description of each token-, code- or key-like
// string in text that is not a placeholder.
func scanSecrets(text string) []string {
	var found []string
	safe := func(v string) bool {
		v = strings.Trim(v, `"'`)
		return v == "" || placeholderRE.ReplaceAllString(v, "") == "" || regexp.MustCompile(`^-?[0-9]+$`).MatchString(v) ||
			v == "S256" || v == "plain" || v == "authorization_code" || v == "refresh_token" || strings.HasPrefix(v, "__")
	}
	for _, m := range secretKeyRE.FindAllStringSubmatch(text, -1) {
		key, v := strings.ToLower(m[1]), m[2]
		if key == "code" && (v == "" || hasDigitRE.MatchString(v) && !hasLetterRE.MatchString(v)) {
			continue // HTTP status and JSON-RPC error codes
		}
		if !safe(v) && !strings.Contains(m[0], "_method") {
			found = append(found, "value of "+m[1]+": "+clipSecret(v))
		}
	}
	// The recorder's own rules (secret_rules.go): a member, parameter or
	// header whose name says credential, and secret shapes anywhere.
	for _, m := range namedValueRE.FindAllStringSubmatch(text, -1) {
		name, v := m[1], strings.TrimRight(m[2], ";")
		n := strings.ToLower(name)
		switch {
		case !isSecretName(name), strings.HasSuffix(n, "authorization"): // authorization: authRE below
			continue
		case strings.HasSuffix(n, "cookie"):
			if _, val, ok := strings.Cut(v, "="); ok {
				v = val
			}
		}
		if !safe(v) && strings.Trim(v, "{}[]") != "" {
			found = append(found, "value of "+name+": "+clipSecret(v))
		}
	}
	for _, m := range secretShapeRE.FindAllString(text, -1) {
		if !safe(m) {
			found = append(found, "secret-shaped string: "+clipSecret(m))
		}
	}
	for _, m := range authRE.FindAllStringSubmatch(text, -1) {
		v := m[2]
		if (m[3] != "" && strings.HasSuffix(v, "=")) || regexp.MustCompile(`^[a-z]+$`).MatchString(v) {
			continue // an auth-param (Bearer resource_metadata="...") or prose ("no bearer token")
		}
		if strings.EqualFold(m[1], "basic") {
			if b, err := base64.StdEncoding.DecodeString(v); err == nil {
				v = strings.ReplaceAll(string(b), ":", "")
			}
		}
		if !safe(v) {
			found = append(found, m[1]+" credential: "+clipSecret(v))
		}
	}
	for _, m := range idHeaderRE.FindAllStringSubmatch(text, -1) {
		if !safe(m[2]) {
			found = append(found, m[1]+": "+clipSecret(m[2]))
		}
	}
	// Basic credentials made of placeholders were vetted above; their
	// base64 would look token-like.
	text = authRE.ReplaceAllStringFunc(text, func(m string) string {
		f := strings.Fields(m)
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(f[len(f)-1], `"`)); err == nil && safe(strings.ReplaceAll(string(b), ":", "")) {
			return ""
		}
		return m
	})
	// A JSON escape (\u003c for '<') is not part of a token: without
	// this, "\u003caccess_token\u003e" in an error text looks like one.
	text = jsonEscapeRE.ReplaceAllString(text, " ")
	// Decoded, "%20offline_access" is " offline_access", not a token; a
	// percent-encoded token is still one after decoding.
	text = percentEscapeRE.ReplaceAllStringFunc(text, func(m string) string {
		if d, err := url.PathUnescape(m); err == nil {
			return d
		}
		return m
	})
	text = softwareIDRE.ReplaceAllString(text, " ")
	for _, tok := range tokenLikeRE.FindAllString(text, -1) {
		rest := placeholderRE.ReplaceAllString(tok, "")
		if len(rest) < 16 || isoTimeRE.MatchString(tok) || !hasLetterRE.MatchString(rest) || !hasDigitRE.MatchString(rest) || snakeIdentifierRE.MatchString(rest) {
			continue
		}
		found = append(found, "token-like string: "+clipSecret(tok))
	}
	return found
}

// snakeIdentifierRE is a lower-case snake_case name of three or more short
// words, such as a tool name of go-sdk's conformance server
// ("json_schema_2020_12_tool"): random tokens mix cases or have long runs.
var snakeIdentifierRE = regexp.MustCompile(`^[a-z0-9]{1,12}(_[a-z0-9]{1,12}){2,}$`)

// clipSecret shows only a prefix, so a failing test does not print a
// secret in full.
func clipSecret(s string) string { return markers.Short(s) }

// TestFixturesHoldNoSecrets walks every file under fixtures/ and fails on
// any token-, code- or key-like string that is not a placeholder.
func TestFixturesHoldNoSecrets(t *testing.T) {
	files := 0
	err := filepath.WalkDir(fixturesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, f := range scanSecrets(string(data)) {
			t.Errorf("%s: %s", path, f)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no files under %s", fixturesDir)
	}
}

// TestSecretScannerFindsSecrets shows the scanner can fail: it finds each
// secret planted in an unredacted session, and nothing once redacted.
func TestSecretScannerFindsSecrets(t *testing.T) {
	c, secrets := secretSession()
	raw, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	found := strings.Join(scanSecrets(string(raw)), "\n")
	for name, s := range secrets {
		if !strings.Contains(found, markers.Short(s)) {
			t.Errorf("scanner missed %s (%s)", name, markers.Short(s))
		}
	}
	for _, planted := range []string{
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc",
		`{"api_key": "sk-live-1234"}`,
		"token: 0123456789abcdef0123456789abcdef",
		"Mcp-Session-Id:\n  - 7f3c2a",
		"/cb?x=%2F0123456789abcdef0123456789abcdef",
		`{"software_id":"public","id":"2e6dc280-f3c3-4e01-99a7-8181dbd1d23d"}`,
		"access: a8f3k2m9x7q1w4e6_r5t8y2u0i3o9p1l7_k4j6h2g8f5d3s1a9",
	} {
		if len(scanSecrets(planted)) == 0 {
			t.Errorf("scanner missed the secret in %q", planted)
		}
	}
	NewRedactor().RedactCassette(c)
	redacted, _ := c.Marshal()
	if f := scanSecrets(string(redacted)); len(f) > 0 {
		t.Errorf("redacted session still flagged: %v", f)
	}
}

// TestSecretScannerPassesPublicValues shows what real clients send that
// looks token-like but is not a secret.
func TestSecretScannerPassesPublicValues(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"percent-encoded scope", "/authorize?scope=mcp%20offline_access&prompt=consent"},
		{"go-sdk conformance tool names", `{"name":"json_schema_2020_12_tool"},{"name":"test_elicitation_sep1034_defaults"}`},
		{"mcp-remote's software_id", `body: '{"software_id":"2e6dc280-f3c3-4e01-99a7-8181dbd1d23d","software_version":"0.15.1"}'`},
		{"software_id in an escaped YAML string", `body: "{\"software_id\":\"2e6dc280-f3c3-4e01-99a7-8181dbd1d23d\"}"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := scanSecrets(tc.text); len(got) > 0 {
				t.Errorf("scanSecrets(%q) = %v, want nothing", tc.text, got)
			}
		})
	}
}

// TestSecretScannerFlagsUnredactedRecording records go-sdk's client against
// `mcpvcr serve`, skips redaction, and requires the scanner to flag every
// secret the server issued (client id and secret from /register, the code
// from /authorize, access and refresh tokens from /token, the session id,
// read from the unredacted wire): the scanner is strong enough for what
// go-sdk and our OAuth server really put on the wire.
func TestSecretScannerFlagsUnredactedRecording(t *testing.T) {
	up := servertest.Start(t, server.Config{AutoApprove: true})
	rec, err := NewRecorder(up.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(rec)
	defer front.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fixtureclients.GoSDK(ctx, front.URL); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, rec)
	rec.Close()
	raw := &Cassette{}
	var issued []string
	rec.mu.Lock()
	for _, in := range rec.interactions {
		raw.Interactions = append(raw.Interactions, cloneInteraction(in))
		var doc map[string]any
		json.Unmarshal([]byte(in.Response.Body), &doc)
		for _, k := range []string{"client_id", "client_secret", "access_token", "refresh_token"} {
			if v, ok := doc[k].(string); ok && v != "" {
				issued = append(issued, v)
			}
		}
		if loc, err := url.Parse(in.Response.Headers.Get("Location")); err == nil && loc.Query().Get("code") != "" {
			issued = append(issued, loc.Query().Get("code"))
		}
		if sid := in.Response.Headers.Get("Mcp-Session-Id"); sid != "" {
			issued = append(issued, sid)
		}
	}
	rec.mu.Unlock()
	if len(issued) < 6 {
		t.Fatalf("found %d issued secrets on the wire, want client id and secret, code, access and refresh tokens, session id", len(issued))
	}
	data, err := raw.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	found := strings.Join(scanSecrets(string(data)), "\n")
	for _, s := range issued {
		if !strings.Contains(found, markers.Short(s)) {
			t.Errorf("scanner missed issued secret %s", markers.Short(s))
		}
	}
}
