package harness

import (
	"context"
	"encoding/base64"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
)

// fixturesDir holds recorded sessions (DESIGN.md).
const fixturesDir = "../fixtures"

// sessionFixture is the go-sdk OAuth session the harness keeps as a golden
// file. Re-record it with:
//
//	MCPVCR_RECORD=1 go test ./harness -run TestSessionFixture
const sessionFixture = fixturesDir + "/harness_gosdk_oauth_session.yaml"

// TestSessionFixture replays the committed fixture against a fresh server:
// a fixture that no longer matches the server (or the replayer) fails here.
func TestSessionFixture(t *testing.T) {
	if os.Getenv("MCPVCR_RECORD") != "" {
		c := recordSession(t, harnesstest.Start(t, nil))
		c.Provenance.Upstream = "harnesstest.Server (go-sdk v1.8.0 Streamable HTTP behind an OAuth-like front)"
		c.Provenance.Why = "the session the harness promises to replay: OAuth discovery, DCR, PKCE, initialize, listen stream with a notification, tools, DELETE"
		c.Provenance.MCPVCRVersion = "harness-test"
		if err := c.Save(sessionFixture); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadCassette(sessionFixture)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := Replay(ctx, c, harnesstest.Start(t, nil).URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Differences()) > 0 {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatalf("fixture no longer replays cleanly:\n%s", b.String())
	}
}

var (
	// A secret-carrying key followed by its value, in JSON, YAML, a query
	// string or a form.
	secretKeyRE = regexp.MustCompile(`(?i)\b(access_token|refresh_token|id_token|client_secret|code_verifier|code_challenge|code|state|token|assertion|registration_access_token|password|api_key|apikey)\b["']?\s*[:=]\s*(?:-\s+)?["']?([^"'&\s,}\\]*)`)
	// An Authorization header value.
	authRE = regexp.MustCompile(`(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/-]+=*)(")?`)
	// A header whose value is a session or event id, as YAML lists it.
	idHeaderRE = regexp.MustCompile(`(?i)(mcp-session-id|last-event-id)["']?:\s*\n?\s*-?\s*["']?([^"'\s]+)`)
	// Any long run of token characters mixing letters and digits: random
	// ids, base32/base64 tokens, hex keys.
	tokenLikeRE = regexp.MustCompile(`[A-Za-z0-9_~+-]{16,}`)
	isoTimeRE   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT`)
	hasLetterRE = regexp.MustCompile(`[A-Za-z]`)
	hasDigitRE  = regexp.MustCompile(`[0-9]`)
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
	for _, tok := range tokenLikeRE.FindAllString(text, -1) {
		rest := placeholderRE.ReplaceAllString(tok, "")
		if len(rest) < 16 || isoTimeRE.MatchString(tok) || !hasLetterRE.MatchString(rest) || !hasDigitRE.MatchString(rest) {
			continue
		}
		found = append(found, "token-like string: "+clipSecret(tok))
	}
	return found
}

// clipSecret shows only a prefix, so a failing test does not print a
// secret in full.
func clipSecret(s string) string { return short(s) }

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
		if !strings.Contains(found, short(s)) {
			t.Errorf("scanner missed %s (%s)", name, short(s))
		}
	}
	for _, planted := range []string{
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc",
		`{"api_key": "sk-live-1234"}`,
		"token: 0123456789abcdef0123456789abcdef",
		"Mcp-Session-Id:\n  - 7f3c2a",
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

// TestSecretScannerFlagsUnredactedRecording records a real session, skips
// redaction, and requires the scanner to flag every secret the server
// issued: the scanner is strong enough for what go-sdk and an OAuth server
// really put on the wire.
func TestSecretScannerFlagsUnredactedRecording(t *testing.T) {
	up := harnesstest.Start(t, nil)
	rec, err := NewRecorder(up.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(rec)
	defer front.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := harnesstest.RunSession(ctx, front.URL); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, rec)
	rec.Close()
	raw := &Cassette{}
	rec.mu.Lock()
	for _, in := range rec.interactions {
		raw.Interactions = append(raw.Interactions, cloneInteraction(in))
	}
	rec.mu.Unlock()
	data, err := raw.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	found := strings.Join(scanSecrets(string(data)), "\n")
	for _, s := range up.Issued() {
		if !strings.Contains(found, short(s)) {
			t.Errorf("scanner missed issued secret %s", short(s))
		}
	}
}
