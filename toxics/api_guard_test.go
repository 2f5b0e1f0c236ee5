package toxics

import (
	"net/http"
	"strings"
	"testing"
)

// TestSecurityLowToxiproxyAPIGuard is issue 12 Low: the toxiproxy REST
// API had no Host/Origin check, so a web page could create a proxy (to
// any host) with a form POST, or through DNS rebinding.
func TestSecurityLowToxiproxyAPIGuard(t *testing.T) {
	s, err := StartServer("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	post := func(host, origin string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/proxies", strings.NewReader(`{"name":"evil","listen":"127.0.0.1:0","upstream":"127.0.0.1:9"}`))
		req.Header.Set("Content-Type", "text/plain") // what a cross-site form may send
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("", "https://evil.example"); got != http.StatusForbidden {
		t.Errorf("cross-site POST = %d, want 403", got)
	}
	if got := post("rebound.evil.example:8474", ""); got != http.StatusForbidden {
		t.Errorf("rebound Host POST = %d, want 403", got)
	}
	if got := post("", ""); got != http.StatusCreated {
		t.Errorf("toxiproxy-cli's POST = %d, want 201", got)
	}
}
