package harness

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClientOrigin(t *testing.T) {
	for _, tc := range []struct {
		name       string
		host       string
		tls        bool
		headers    map[string]string
		publicURL  string
		wantOrigin string
		wantTunnel bool
	}{
		{"plain connection", "127.0.0.1:8090", false, nil, "", "http://127.0.0.1:8090", false},
		{"TLS connection", "127.0.0.1:8443", true, nil, "", "https://127.0.0.1:8443", false},
		{"cloudflared keeps Host, says https", "a-b.trycloudflare.com", false, map[string]string{"X-Forwarded-Proto": "https"}, "", "https://a-b.trycloudflare.com", true},
		{"proxy chain: the first proto counts", "a.example", false, map[string]string{"X-Forwarded-Proto": "https, http"}, "", "https://a.example", true},
		{"X-Forwarded-Host replaces Host", "127.0.0.1:8090", false, map[string]string{"X-Forwarded-Host": "x.ngrok.app, inner", "X-Forwarded-Proto": "HTTPS"}, "", "https://x.ngrok.app", true},
		{"RFC 7239, quoted host with port", "127.0.0.1:8090", false, map[string]string{"Forwarded": `for="[2001:db8::1]";proto=https;host="pub.example:8443", for=10.0.0.1;proto=http`}, "", "https://pub.example:8443", true},
		{"Forwarded wins over X-Forwarded-*", "127.0.0.1:8090", false, map[string]string{"Forwarded": "proto=https;host=f.example", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "x.example"}, "", "https://f.example", true},
		{"Forwarded without host: X-Forwarded-Host fills in", "127.0.0.1:8090", false, map[string]string{"Forwarded": "for=1.2.3.4;proto=https", "X-Forwarded-Host": "x.example"}, "", "https://x.example", true},
		{"a host with a path is ignored", "127.0.0.1:8090", false, map[string]string{"X-Forwarded-Host": "evil.example/path"}, "", "http://127.0.0.1:8090", false},
		{"an unknown proto is ignored", "127.0.0.1:8090", false, map[string]string{"X-Forwarded-Proto": "wss"}, "", "http://127.0.0.1:8090", false},
		{"--public-url overrides everything", "127.0.0.1:8090", false, map[string]string{"X-Forwarded-Proto": "http", "X-Forwarded-Host": "x.example"}, "https://pub.example", "https://pub.example", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/mcp", nil)
			req.Host = tc.host
			if tc.tls {
				req.TLS = &tls.ConnectionState{}
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			origin, tunnel := clientOrigin(req, tc.publicURL)
			if origin != tc.wantOrigin || tunnel != tc.wantTunnel {
				t.Errorf("clientOrigin = %q, via tunnel %v; want %q, %v", origin, tunnel, tc.wantOrigin, tc.wantTunnel)
			}
		})
	}
}

func TestParseOrigin(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		wantErr  bool
	}{
		{"https://a-b.trycloudflare.com", "https://a-b.trycloudflare.com", false},
		{"https://a-b.trycloudflare.com/", "https://a-b.trycloudflare.com", false},
		{"http://127.0.0.1:8090", "http://127.0.0.1:8090", false},
		{"https://a.example/mcp", "", true},
		{"a.example", "", true},
		{"ftp://a.example", "", true},
		{"https://a.example?x=1", "", true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseOrigin(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseOrigin(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestTunnelHeadersAreDropped(t *testing.T) {
	h := http.Header{}
	for _, k := range []string{"Cf-Connecting-Ip", "Cf-Ray", "Cf-Access-Jwt-Assertion", "X-Forwarded-For", "X-Real-Ip", "True-Client-Ip", "Forwarded", "Via", "Cdn-Loop", "Ngrok-Trace-Id", "Authorization", "User-Agent", "Mcp-Session-Id", "Content-Type"} {
		h.Set(k, "v")
	}
	dropTunnelHeaders(h)
	want := []string{"Authorization", "Content-Type", "Mcp-Session-Id", "User-Agent"}
	if len(h) != len(want) {
		t.Errorf("kept %v, want only %v", h, want)
	}
	for _, k := range want {
		if h.Get(k) == "" {
			t.Errorf("dropped %s, an end-to-end header", k)
		}
	}
}

// TestReplayLeavesOutTunnelHeaders: a cassette that still holds a tunnel's
// headers (recorded before they were dropped, or written by hand) must not
// send them to the target: X-Forwarded-Host would make a proxy-aware
// server name itself after a tunnel that is not there.
func TestReplayLeavesOutTunnelHeaders(t *testing.T) {
	got := make(chan http.Header, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer target.Close()
	in := &Interaction{}
	in.Request.Method, in.Request.URL = http.MethodGet, "https://pub.example/ping"
	in.Request.Headers = http.Header{
		"User-Agent": {"claude-connector/1"}, "X-Forwarded-Host": {"pub.example"}, "X-Forwarded-For": {"203.0.113.77"},
		"Cf-Ray": {"8e0000000000001-AMS"}, "Forwarded": {"for=203.0.113.77;proto=https"},
	}
	in.Response.Code, in.Response.Headers, in.Response.Body = 200, http.Header{"Content-Type": {"application/json"}}, `{"ok":true}`
	in.Stream.Reason = EndServerEOF
	c := &Cassette{Version: 2, Provenance: Provenance{Origin: "https://pub.example"}, Interactions: []*Interaction{in}}
	rep, err := Replay(context.Background(), c, target.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := <-got
	for _, k := range []string{"X-Forwarded-Host", "X-Forwarded-For", "Cf-Ray", "Forwarded"} {
		if v := h.Get(k); v != "" {
			t.Errorf("replay sent %s: %s", k, v)
		}
	}
	if h.Get("User-Agent") != "claude-connector/1" {
		t.Errorf("User-Agent = %q, want the recorded one", h.Get("User-Agent"))
	}
	if !rep.OK() {
		var b strings.Builder
		rep.WriteText(&b)
		t.Errorf("replay differs:\n%s", b.String())
	}
}
