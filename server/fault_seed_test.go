package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/markers"
)

// seedFlows reads the seed's marker sequences from testdata/seed_flows.txt
// (copied verbatim from the seed's NEXT_STEPS.md), without annotations.
func seedFlows(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("testdata/seed_flows.txt")
	if err != nil {
		t.Fatal(err)
	}
	flows := map[string][]string{}
	var name string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			name = strings.TrimPrefix(line, "## ")
		case strings.HasPrefix(line, "==="):
			if i := strings.Index(line, "  ←"); i >= 0 {
				line = line[:i]
			}
			flows[name] = append(flows[name], strings.TrimSpace(line))
		}
	}
	return flows
}

// markerOf returns NAME of a "=== NAME === detail" line.
func markerOf(line string) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(line, "=== "), " ===")
	return name
}

// expandFailedFlow returns the seed's "Failed Flow" with its bearer-check
// lines written out. The bearer check runs the same code in both flows, and
// the seed's "Successful Flow" lists it in full (OAUTH FLOW, then "Token
// valid: <prefix>"); its "Failed Flow" abbreviates it (no OAUTH FLOW, just
// "Token valid"). Each abbreviated line must start the full line it stands
// for, in order, or the test fails: the expansion is checked, not assumed.
func expandFailedFlow(t *testing.T, failed, successful []string) []string {
	t.Helper()
	block := func(lines []string) (int, int) {
		start, end := -1, -1
		for i, l := range lines {
			switch markerOf(l) {
			case string(markers.MCPSSEConnectionStart):
				start = i
			case string(markers.AuthSuccess):
				end = i + 1
			}
		}
		if start < 0 || end <= start {
			t.Fatalf("no %s ... %s block in:\n%s", markers.MCPSSEConnectionStart, markers.AuthSuccess, strings.Join(lines, "\n"))
		}
		return start, end
	}
	fs, fe := block(failed)
	ss, se := block(successful)
	full := successful[ss:se]
	j := 0
	for _, abbrev := range failed[fs:fe] {
		for j < len(full) && !strings.HasPrefix(full[j], abbrev) {
			j++
		}
		if j == len(full) {
			t.Fatalf("failed-flow line %q abbreviates no line of the successful flow's %v", abbrev, full)
		}
		j++
	}
	out := append([]string(nil), failed[:fs]...)
	out = append(out, full...)
	return append(out, failed[fe:]...)
}

// seedPlaceholders are the seed's stand-ins for values that differ on every
// run, and what they match in a produced line: a session id, and the
// logged prefix of a secret (Short: 8 characters and "..."; the seed wrote
// 6 or 8).
var seedPlaceholders = []struct{ seed, pattern string }{
	{"<uuid>", `[A-Za-z0-9-]+`},
	{"abc123...", `[A-Za-z0-9_-]{8}\.\.\.`},
	{"xyz789ab...", `[A-Za-z0-9_-]{8}\.\.\.`},
	{"xyz789...", `[A-Za-z0-9_-]{8}\.\.\.`},
}

// seedExtraFields are the markers whose detail mcpvcr extends past the
// seed's text with key=value fields (which client, resource and scope a
// code was for; which client got a token). The seed's text comes first,
// unchanged, so a grep for the seed's line still finds it.
var seedExtraFields = map[string]bool{
	string(markers.OAuthCodeGenerated):   true,
	string(markers.AccessTokenGenerated): true,
}

// seedLineMatches compares a produced line with a seed line.
func seedLineMatches(seed, got string) bool {
	pattern := regexp.QuoteMeta(seed)
	for _, p := range seedPlaceholders {
		pattern = strings.ReplaceAll(pattern, regexp.QuoteMeta(p.seed), p.pattern)
	}
	if seedExtraFields[markerOf(seed)] {
		pattern += `(?: [a-z_]+=(?:"(?:[^"\\]|\\.)*"|\S+))*`
	}
	return regexp.MustCompile("^" + pattern + "$").MatchString(got)
}

// claudeDesktopToken runs the seed's OAuth flow for the built-in client
// claude-desktop (authorize, auto-approved; token with PKCE) and returns
// the access token.
func claudeDesktopToken(t *testing.T, s *testMCPServer) string {
	t.Helper()
	const redirectURI = "https://claude.ai/api/mcp/auth_callback" // never contacted
	verifier := strings.Repeat("v", 43)
	q := url.Values{
		"response_type": {"code"}, "client_id": {"claude-desktop"}, "redirect_uri": {redirectURI},
		"code_challenge": {S256Challenge(verifier)}, "code_challenge_method": {"S256"}, "scope": {"claudeai"},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(s.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatalf("GET /authorize: %v", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("GET /authorize = %d, Location %v; want 302 with a code", resp.StatusCode, loc)
	}
	resp, err = http.PostForm(s.URL+"/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {redirectURI},
		"client_id": {"claude-desktop"}, "code_verifier": {verifier},
	})
	if err != nil {
		t.Fatalf("POST /token: %v", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("POST /token = %d (%v), want 200 with an access token", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// TestSeedFaultReproducesSeedFlows runs the seed's two flows against
// `--fault seed` with a real token and compares the produced marker lines,
// in order, with the seed's, OAuth lines included:
//
//	successful: authorize + token requests (claude-desktop), then POST /mcp
//	            with initialize: the seed's whole "Successful Flow"
//	failed:     POST /mcp with an empty body (what the tunnel delivered):
//	            the seed's "Failed Flow", from MCP SSE CONNECTION START
//
// On the OAuth endpoints mcpvcr logs steps the seed never named (REFRESH
// TOKEN GENERATED): only markers of the seed's vocabulary are compared
// there. On POST /mcp every line is compared.
func TestSeedFaultReproducesSeedFlows(t *testing.T) {
	flows := seedFlows(t)
	vocabulary := map[string]bool{}
	for _, lines := range flows {
		for _, l := range lines {
			vocabulary[markerOf(l)] = true
		}
	}
	// The seed's own curl example, compacted: exactly the 142 bytes of its
	// "Successful Flow".
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":{"name":"test-client","version":"1.0.0"}}}`
	tests := []struct {
		flow       string
		body       string
		withOAuth  bool     // the seed's listing starts with the OAuth flow
		prefixOnly bool     // the seed's listing stops before the stream closes
		wantWire   string   // the exact bytes of the SSE stream
		seed       []string // the seed's lines
	}{
		{flow: "failed", body: "", wantWire: "id: 0\ndata: \n\nevent: endpoint\ndata: /mcp\n\n",
			seed: expandFailedFlow(t, flows["failed"], flows["successful"])},
		{flow: "successful", body: initialize, withOAuth: true, prefixOnly: true, seed: flows["successful"]},
	}
	for _, tt := range tests {
		t.Run(tt.flow, func(t *testing.T) {
			if len(tt.seed) == 0 {
				t.Fatalf("no seed lines for flow %q", tt.flow)
			}
			s := startMCPServer(t, Config{AutoApprove: true, Faults: FaultsOf(FaultSeed), TimeScale: 0.01}, nil)
			token := claudeDesktopToken(t, s)

			req, err := http.NewRequest(http.MethodPost, s.URL+"/mcp", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatalf("POST /mcp: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("status %d, content-type %q; want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			wire, err := io.ReadAll(resp.Body) // the seed's handler closes the stream itself
			if err != nil {
				t.Fatalf("reading the stream: %v", err)
			}
			if tt.wantWire != "" && string(wire) != tt.wantWire {
				t.Errorf("wire = %q, want %q", wire, tt.wantWire)
			}

			mcpReq := s.markers.waitMarker(t, markers.Critical, "MCP spec requires stream to stay open").RequestID
			oauthReqs := map[string]bool{}
			if tt.withOAuth {
				oauthReqs[s.markers.waitMarker(t, markers.OAuthAuthorizeStart, "").RequestID] = true
				oauthReqs[s.markers.waitMarker(t, markers.OAuthTokenStart, "").RequestID] = true
			}
			var got []string
			for _, e := range s.markers.snapshot() {
				switch {
				case e.RequestID == mcpReq:
				case oauthReqs[e.RequestID] && vocabulary[string(e.Name)]:
				default:
					continue
				}
				got = append(got, e.Text())
			}
			if tt.prefixOnly && len(got) > len(tt.seed) {
				got = got[:len(tt.seed)]
			}
			if len(got) != len(tt.seed) {
				t.Fatalf("got %d lines, want %d\ngot:\n%s\nwant:\n%s", len(got), len(tt.seed), strings.Join(got, "\n"), strings.Join(tt.seed, "\n"))
			}
			for i := range tt.seed {
				if !seedLineMatches(tt.seed[i], got[i]) {
					t.Errorf("line %d = %q, want %q", i, got[i], tt.seed[i])
				}
			}
		})
	}
}

func TestSeedLineMatches(t *testing.T) {
	tests := []struct {
		seed, got string
		want      bool
	}{
		{"=== OAUTH CODE GENERATED === code=abc123...", `=== OAUTH CODE GENERATED === code=Ab-_1234... client_id=claude-desktop scope="a b"`, true},
		{"=== OAUTH CODE GENERATED === code=abc123...", "=== OAUTH CODE GENERATED === code=abc...", false},
		{"=== OAUTH SUCCESS === Token valid: xyz789ab...", "=== OAUTH SUCCESS === Token valid: 12345678...", true},
		{"=== OAUTH SUCCESS === Token valid: xyz789ab...", "=== OAUTH SUCCESS === Token valid: 12345678... extra=1", false},
		{"=== SESSION CREATED === New session ID: <uuid>", "=== SESSION CREATED === New session ID: ABC-123", true},
		{"=== REQUEST BODY === Received 0 bytes", "=== REQUEST BODY === Received 10 bytes", false},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := seedLineMatches(tt.seed, tt.got); got != tt.want {
				t.Errorf("seedLineMatches(%q, %q) = %v, want %v", tt.seed, tt.got, got, tt.want)
			}
		})
	}
}
