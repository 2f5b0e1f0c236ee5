package server

import (
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
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

// oauthOwned reports whether a marker belongs to the OAuth side, which the
// bearer check logs (and this branch's stub does not): those lines are
// compared where the OAuth flow runs, not here.
func oauthOwned(line string) bool {
	for _, m := range []Marker{OAuthAuthorizeStart, OAuthCodeGenerated, OAuthTokenStart, AccessTokenGenerated, AccessTokenStored, OAuthFlow, OAuthSuccess, AuthSuccess} {
		if strings.HasPrefix(line, "=== "+string(m)+" ===") {
			return true
		}
	}
	return false
}

// TestSeedFaultReproducesSeedFlows runs the seed's two flows against
// `--fault seed` and compares the produced marker lines, in order, with the
// seed's. The flows run with auth off, so the per-request AUTH OFF warning
// is dropped along with the OAuth lines.
func TestSeedFaultReproducesSeedFlows(t *testing.T) {
	flows := seedFlows(t)
	// The seed's own curl example, compacted: exactly the 142 bytes of its
	// "Successful Flow".
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","clientInfo":{"name":"test-client","version":"1.0.0"}}}`
	tests := []struct {
		flow       string
		body       string
		prefixOnly bool   // the seed's listing stops before the stream closes
		wantWire   string // the exact bytes of the SSE stream
	}{
		{flow: "failed", body: "", wantWire: "id: 0\ndata: \n\nevent: endpoint\ndata: /mcp\n\n"},
		{flow: "successful", body: initialize, prefixOnly: true},
	}
	for _, tt := range tests {
		t.Run(tt.flow, func(t *testing.T) {
			seed := filterLines(flows[tt.flow], func(l string) bool { return !oauthOwned(l) })
			if len(seed) == 0 {
				t.Fatalf("no seed lines for flow %q", tt.flow)
			}
			s := startMCPServer(t, Config{AuthOff: true, Faults: []string{"seed"}, TimeScale: 0.01}, nil)
			resp := s.post(t, "/mcp", "", "", []byte(tt.body))
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
			evs := s.markers.waitMarker(t, Critical, "MCP spec requires stream to stay open")
			var got []string
			for _, e := range s.markers.snapshot() {
				if e.RequestID != evs.RequestID || oauthOwned(e.Text()) || (e.Marker == Warning && strings.HasPrefix(e.Detail, "AUTH OFF")) {
					continue
				}
				got = append(got, e.Text())
			}
			if tt.prefixOnly {
				if len(got) < len(seed) {
					t.Fatalf("got %d lines, want at least the seed's %d:\n%s", len(got), len(seed), strings.Join(got, "\n"))
				}
				got = got[:len(seed)]
			}
			if len(got) != len(seed) {
				t.Fatalf("got %d lines, want %d\ngot:\n%s\nwant:\n%s", len(got), len(seed), strings.Join(got, "\n"), strings.Join(seed, "\n"))
			}
			for i := range seed {
				if !seedLineMatches(seed[i], got[i]) {
					t.Errorf("line %d = %q, want %q", i, got[i], seed[i])
				}
			}
		})
	}
}

// seedLineMatches compares a produced line with a seed line, where the
// seed's "<uuid>" stands for any session id.
func seedLineMatches(seed, got string) bool {
	if !strings.Contains(seed, "<uuid>") {
		return seed == got
	}
	re := regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(seed), regexp.QuoteMeta("<uuid>"), `[A-Za-z0-9-]+`) + "$")
	return re.MatchString(got)
}

func filterLines(lines []string, keep func(string) bool) []string {
	var out []string
	for _, l := range lines {
		if keep(l) {
			out = append(out, l)
		}
	}
	return out
}
