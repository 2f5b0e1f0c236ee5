package harness

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// publicHost is the tunnel's public name in these tests. ".invalid" never
// resolves (RFC 6761): the client reaches the front by address only.
const publicHost = "mcp-demo.tunnel.invalid"

// clientIP is the address the simulated tunnel reports for the client.
const clientIP = "203.0.113.77"

// TestRecordThroughTLSTerminatingTunnel is a real Claude session's setup,
// simulated on loopback: go-sdk's client (OAuth with DCR and PKCE) talks to
// https://mcp-demo.tunnel.invalid, a TLS-terminating front (the tunnel)
// forwards plain HTTP to the recorder, the recorder to a real server whose
// issuer is that public https origin. The recording must keep the public
// origin the client and server used (not the http:// the recorder saw on
// the wire), hold no client IP or tunnel header, and replay against a fresh
// local server with another origin with 0 differences.
func TestRecordThroughTLSTerminatingTunnel(t *testing.T) {
	for _, tc := range []struct {
		name string
		// rewrite shapes the request the tunnel forwards; recorderHost is
		// the recorder's address.
		rewrite   func(out *http.Request, publicHost, recorderHost string)
		publicURL string // RecorderOptions.PublicURL
		// wantDropped are tunnel headers the provenance must name.
		wantDropped []string
	}{
		{
			name: "cloudflared: Host kept, X-Forwarded-Proto",
			rewrite: func(out *http.Request, public, _ string) {
				out.Host = public
				out.Header.Set("X-Forwarded-Proto", "https")
				out.Header.Set("X-Forwarded-For", clientIP)
				out.Header.Set("Cf-Connecting-Ip", clientIP)
				out.Header.Set("Cf-Ipcountry", "XX")
				out.Header.Set("Cf-Visitor", `{"scheme":"https"}`)
				out.Header.Set("Cdn-Loop", "cloudflare; loops=1")
				out.Header.Set("Cf-Warp-Tag-Id", "5e0c2c34-tag")
			},
			wantDropped: []string{"Cdn-Loop", "Cf-Connecting-Ip", "Cf-Ipcountry", "Cf-Ray", "Cf-Visitor", "Cf-Warp-Tag-Id", "X-Forwarded-For", "X-Forwarded-Proto"},
		},
		{
			name: "ngrok: X-Forwarded-Host and -Proto, Host rewritten",
			rewrite: func(out *http.Request, public, recorder string) {
				out.Host = recorder
				out.Header.Set("X-Forwarded-Host", public)
				out.Header.Set("X-Forwarded-Proto", "https")
				out.Header.Set("X-Forwarded-For", clientIP)
			},
			wantDropped: []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"},
		},
		{
			name: "RFC 7239 Forwarded",
			rewrite: func(out *http.Request, public, recorder string) {
				out.Host = recorder
				out.Header.Set("Forwarded", fmt.Sprintf(`for=%s;proto=https;host="%s", for=10.0.0.1`, clientIP, public))
			},
			wantDropped: []string{"Forwarded"},
		},
		{
			name: "--public-url, the tunnel says nothing",
			rewrite: func(out *http.Request, _, recorder string) {
				out.Host = recorder
				out.Header.Set("Via", "1.1 edge")
			},
			publicURL:   "https://" + publicHost,
			wantDropped: []string{"Via"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			publicOrigin := "https://" + publicHost
			upstream := servertest.Start(t, server.Config{AutoApprove: true, AutoApprovePublic: true, Issuer: publicOrigin})
			rec, err := NewRecorder(upstream.URL, &RecorderOptions{Upstream: "servertest", Version: "test", Tunnel: "simulated TLS-terminating tunnel", PublicURL: tc.publicURL})
			if err != nil {
				t.Fatal(err)
			}
			recorder := httptest.NewServer(rec)
			t.Cleanup(recorder.Close)
			client := tlsTunnelFront(t, recorder.URL, tc.rewrite)

			if err := goSDKSessionVia(ctx, client, publicOrigin); err != nil {
				t.Fatalf("client session through the tunnel: %v", err)
			}
			if err := rec.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			rec.Close()
			path := filepath.Join(t.TempDir(), "claude_session.yaml")
			if err := rec.Save(path); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			file := string(raw)

			c, err := LoadCassette(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Provenance.Origin; got != publicOrigin {
				t.Errorf("provenance origin = %q, want %q", got, publicOrigin)
			}
			if got := c.Provenance.UpstreamOrigin; got != "" {
				t.Errorf("provenance upstream_origin = %q, want none (the server knows itself by the public origin)", got)
			}
			if got, want := strings.Join(c.Provenance.TunnelHeaders, ","), strings.Join(tc.wantDropped, ","); got != want {
				t.Errorf("provenance tunnel_headers = %s, want %s", got, want)
			}
			for _, bad := range []string{"http://" + publicHost, clientIP, "10.0.0.1", "Cf-Ray", "X-Forwarded", "Forwarded:", "Cdn-Loop", "5e0c2c34", recorder.Listener.Addr().String()} {
				if strings.Contains(strings.ReplaceAll(file, "tunnel_headers:", ""), bad) && !inTunnelHeaderList(c, bad) {
					t.Errorf("the fixture holds %q:\n%s", bad, excerptAround(file, bad))
				}
			}
			for i, in := range c.Interactions {
				if !strings.HasPrefix(in.Request.URL, publicOrigin+"/") {
					t.Errorf("interaction %d URL = %q, want under %s", i, in.Request.URL, publicOrigin)
				}
			}
			// The public origin must be inside the bodies too (resource=,
			// discovery documents, whoami's audience), or the replayer's
			// origin swap would not reach them.
			for _, want := range []string{url.QueryEscape(publicOrigin + "/mcp"), `"issuer":"` + publicOrigin + `"`, `\"audience\":\"` + publicOrigin + `/mcp\"`} {
				if !strings.Contains(file, want) && !strings.Contains(file, strings.ReplaceAll(want, `"`, `\"`)) {
					t.Errorf("the fixture lacks %s", want)
				}
			}

			fresh := servertest.Start(t, server.Config{AutoApprove: true})
			rep, err := Replay(ctx, c, fresh.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			rep.WriteText(&out)
			if !rep.OK() || len(rep.Differences()) != 0 {
				t.Fatalf("replay against a fresh local server (%s) differs:\n%s", fresh.URL, out.String())
			}
			if got, want := len(rep.Results), len(c.Interactions); got != want {
				t.Errorf("replayed %d interactions, want %d", got, want)
			}
		})
	}
}

// inTunnelHeaderList reports whether s is only one of the dropped header
// names the provenance lists (names are kept, values never).
func inTunnelHeaderList(c *Cassette, s string) bool {
	for _, h := range c.Provenance.TunnelHeaders {
		if strings.Contains(h, strings.TrimSuffix(s, ":")) {
			return true
		}
	}
	return false
}

func excerptAround(s, sub string) string {
	i := strings.Index(s, sub)
	lo, hi := max(0, i-200), min(len(s), i+len(sub)+200)
	return "..." + s[lo:hi] + "..."
}

// tlsTunnelFront starts a TLS-terminating reverse proxy in front of
// recorderURL with a certificate for publicHost, shaped by rewrite, adding
// a fresh Cf-Ray to every request as Cloudflare does. It returns an HTTP
// client that trusts that certificate and dials the front whatever host a
// URL names, so https://publicHost resolves nowhere but still arrives.
func tlsTunnelFront(t *testing.T, recorderURL string, rewrite func(out *http.Request, publicHost, recorderHost string)) *http.Client {
	t.Helper()
	target, err := url.Parse(recorderURL)
	if err != nil {
		t.Fatal(err)
	}
	var ray atomic.Int64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			rewrite(pr.Out, publicHost, target.Host)
			if pr.Out.Header.Get("Cf-Connecting-Ip") != "" {
				pr.Out.Header.Set("Cf-Ray", fmt.Sprintf("8e%014x-AMS", ray.Add(1)))
			}
		},
		FlushInterval: -1, // a tunnel that streams SSE (no buffering here)
	}
	cert, pool := selfSignedFor(t, publicHost)
	front := httptest.NewUnstartedServer(proxy)
	front.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	front.StartTLS()
	t.Cleanup(front.Close)
	addr := front.Listener.Addr().String()
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: pool},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// selfSignedFor returns a certificate for host and a pool trusting it.
func selfSignedFor(t *testing.T, host string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// goSDKSessionVia runs go-sdk's client against base + "/mcp" with every
// request, the OAuth ones included, sent by hc: discovery, DCR, PKCE,
// initialize, the listen stream, tools/list, echo, whoami, DELETE.
func goSDKSessionVia(ctx context.Context, hc *http.Client, base string) error {
	oauth, err := oauthclient.GoSDKHandler("tunnel-test", hc)
	if err != nil {
		return err
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "tunnel-test", Version: "1.8.0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/mcp", OAuthHandler: oauth, HTTPClient: hc}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer cs.Close()
	if _, err := cs.ListTools(ctx, nil); err != nil {
		return fmt.Errorf("tools/list: %w", err)
	}
	for _, call := range []*mcp.CallToolParams{{Name: "echo", Arguments: map[string]any{"text": "through the tunnel"}}, {Name: "whoami"}} {
		res, err := cs.CallTool(ctx, call)
		if err != nil {
			return fmt.Errorf("tools/call %s: %w", call.Name, err)
		}
		if res.IsError {
			return fmt.Errorf("tools/call %s: tool error %v", call.Name, res.Content)
		}
	}
	return cs.Close()
}
