package mcpvcrtest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/mcpvcrtest"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// TestKeepAliveBehindALB: field failure 28 in a user's own test. The
// kit's server with Node's 5 s keep-alive (server.Config.ConnIdleTimeout)
// behind aws-alb, whose pool keeps connections 60 s: once the server has
// closed the pooled connection, the next POST gets 502. With 65 s the
// balancer closes first and the POST goes on a new connection. Both wait
// for the tunnel's own log line, not for the clock.
func TestKeepAliveBehindALB(t *testing.T) {
	const scale timescale.Scale = 0.01
	for _, tc := range []struct {
		name      string
		keepAlive time.Duration
		closed    string // the balancer line to wait for
		want      int
	}{
		{"node's 5 s", 5 * time.Second, "the origin closed idle connection #1", http.StatusBadGateway},
		{"65 s", 65 * time.Second, "the balancer closed idle connection #1", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mcpvcrtest.Start(t, server.Config{AutoApprove: true, TimeScale: scale, ConnIdleTimeout: tc.keepAlive})
			token := s.Token(t).AccessToken
			lines := make(chan string, 64)
			tun, err := toxics.OpenTunnel(toxics.TunnelOptions{Profile: toxics.AWSALB, Upstream: strings.TrimPrefix(s.URL, "http://"), Scale: scale,
				ConnLog: func(l string) {
					select {
					case lines <- l:
					default: // never block the tunnel
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			defer tun.Close()
			initialize := func() int {
				req, _ := http.NewRequest(http.MethodPost, "http://"+tun.Addr+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"kit","version":"1"}}}`))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				st := mcpvcrtest.OpenStream(req, nil)
				defer st.Close()
				if !st.WaitEnded(10 * time.Second) {
					t.Fatalf("initialize did not end: %s", st)
				}
				return st.Timeline().Status
			}
			if got := initialize(); got != http.StatusOK {
				t.Fatalf("first initialize = %d, want 200", got)
			}
			for deadline := time.After(10 * time.Second); ; {
				select {
				case l := <-lines:
					if !strings.Contains(l, tc.closed) {
						continue
					}
				case <-deadline:
					t.Fatalf("no tunnel line %q in 10 s", tc.closed)
				}
				break
			}
			if got := initialize(); got != tc.want {
				t.Fatalf("initialize after the pooled connection closed = %d, want %d", got, tc.want)
			}
		})
	}
}
