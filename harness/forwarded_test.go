package harness

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
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
