package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// The fuzz targets drive the server in-process (ServeHTTP with a
// recorder: thousands of requests a second) and check, for every input:
//
//   - no panic, and no 5xx (Redis is up, so not even 503);
//   - every error body is well-formed JSON of its protocol (OAuth
//     {"error": ...} or JSON-RPC {"jsonrpc":"2.0","error":{"code": ...}}),
//     except the authorization endpoint's HTML page;
//   - no secret is echoed in a response body or written to the log;
//   - every log write is one whole marker line (no forged lines).

// logGuard is a server log sink that checks every line as it is written.
type logGuard struct {
	mu      sync.Mutex
	secrets []string
	bad     string // the first violation
}

var markerLine = regexp.MustCompile(`^\S+Z req=\S+ session=(\S+|"(?:[^"\\]|\\.)*") === [A-Z0-9/ ]+ ===( .*)?\n$`)

func (g *logGuard) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	line := string(p)
	switch {
	case g.bad != "":
	case strings.Count(line, "\n") != 1 || !markerLine.MatchString(line):
		g.bad = fmt.Sprintf("not one marker line: %q", line)
	default:
		for _, s := range g.secrets {
			if s != "" && strings.Contains(line, s) {
				g.bad = fmt.Sprintf("secret %s in log line %q", server.Short(s), line)
			}
		}
	}
	return len(p), nil
}

// watch adds secrets that must never appear in the log.
func (g *logGuard) watch(secrets ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			g.secrets = append(g.secrets, s)
		}
	}
	// The newest secrets are enough to catch a leak of what a request just
	// sent or got; an unbounded list would slow every log line down.
	if n := len(g.secrets); n > 64 {
		g.secrets = append(g.secrets[:0:0], g.secrets[n-64:]...)
	}
}

// check fails t with the first violation since the last check.
func (g *logGuard) check(t *testing.T) {
	t.Helper()
	g.mu.Lock()
	bad := g.bad
	g.bad = ""
	g.mu.Unlock()
	if bad != "" {
		t.Fatal(bad)
	}
}

// startFuzzServer starts a server whose log goes through a logGuard.
func startFuzzServer(f *testing.F, cfg server.Config) (*servertest.Server, *logGuard) {
	f.Helper()
	g := &logGuard{}
	cfg.AutoApprove = true
	cfg.LogOutput = g
	cfg.LogFormat = server.LogText
	return servertest.Start(f, cfg), g
}

// serve runs req through the server in-process.
func serve(ts *servertest.Server, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	ts.Server.ServeHTTP(rec, req)
	return rec
}

// checkNo5xx fails on any server error.
func checkNo5xx(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d (no 5xx while Redis is up): %s", rec.Code, rec.Body.String())
	}
}

// checkOAuthError checks an OAuth JSON error body.
func checkOAuthError(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("status %d with Content-Type %q, want application/json: %q", rec.Code, ct, rec.Body.String())
	}
	var body struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" {
		t.Fatalf("status %d: error body %q is not an OAuth error (%v)", rec.Code, rec.Body.String(), err)
	}
}

// checkNoEcho fails when a secret sent in the request comes back in the
// body, unless it is also the value of a parameter the server may quote
// (a client_id, a scope: the fuzzer may pick the same string for both).
func checkNoEcho(t *testing.T, body string, secrets []string, quotable []string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) < 8 || !strings.Contains(body, s) {
			continue
		}
		echoedAsOther := false
		for _, q := range quotable {
			if strings.Contains(q, s) {
				echoedAsOther = true
			}
		}
		if !echoedAsOther {
			t.Fatalf("secret %q echoed in the response %q", s, body)
		}
	}
}
