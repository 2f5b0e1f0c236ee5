// Package mcpvcrtest is mcpvcr for your own Go tests, the way
// net/http/httptest is net/http's: start the mcpvcr server on a loopback
// port, put a tunnel profile in front of any address, replay a recorded
// session, read a stream into a timeline, run an MCP client's OAuth flow
// against any issuer, and wait for the server's markers with a deadline.
//
// Replay go-sdk's recorded session through a Cloudflare Quick Tunnel, at a
// hundredth of production time, against a fresh server (the package's
// Example, runnable):
//
//	func TestQuickTunnelHoldsListenStream(t *testing.T) {
//		scale := timescale.Scale(0.01)
//		s := mcpvcrtest.Start(t, server.Config{AutoApprove: true, TimeScale: scale})
//		c, rep := mcpvcrtest.Replay(t, "fixtures/gosdk_oauth_session.yaml", s.URL, toxics.CloudflareQuickTunnel, scale)
//		s.WaitMarkers(t, 5*time.Second, mcpvcrtest.InOrder("SESSION CREATED", "SSE STREAM START"))
//		if listen := mcpvcrtest.ListenStream(c, rep); !listen.Has(harness.EventsHeld) {
//			t.Errorf("listen stream findings %v, want %s", listen.Findings, harness.EventsHeld)
//		}
//	}
//
// The pieces, each usable alone:
//
//	Start, NewServer, NewUnstartedServer   the server (miniredis or REDIS_URL, a key prefix, markers captured)
//	OpenTunnel, StartTunnel                a tunnel profile in front of an address, at a time scale
//	toxics.TunnelOptions.Front             the same, as the tunnel a replay goes through
//	Replay, ListenStream                   replay a fixture; its listen stream, recorded, live and its findings
//	OpenStream, Stream                     one HTTP exchange read into a harness.Timeline as it arrives
//	OAuthClient                            discovery, registration, PKCE, token and refresh, against any issuer
//	WaitMarkers, InOrder                   wait for markers, with a deadline and the evidence on failure
//
// The server is configured by server.Config, as `mcpvcr serve` is by its
// flags; behind a load balancer the field to set is ConnIdleTimeout, the
// server's HTTP keep-alive (aws-alb pools connections to it for 60 s:
// with Node's 5 s a POST after a quiet spell gets 502, field failure 28).
//
// Nothing here needs the mcpvcr binary or anything outside the test
// process; everything listens on loopback only.
package mcpvcrtest
