// Package external is a user's own test of an MCP server behind a tunnel,
// written against mcpvcr's exported API only:
//
//	replayer(fixture) > cloudflare-quick-tunnel (time scale 0.01) > mcpvcr server
//	                                                                  │ markers
//	findings (what the client saw) ◄──────────────────────────────────┘
package external

import (
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/mcpvcrtest"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// fixture is a session mcpvcr bundles: go-sdk's client with OAuth, its GET
// listen stream carrying notifications.
const fixture = "../../fixtures/gosdk_oauth_session.yaml"

// A Cloudflare Quick Tunnel buffers the GET listen stream until it ends
// (mcpvcr's docs/field-failures.md, field failure 2): the session still
// comes up, but its notifications arrive only at the end.
func TestQuickTunnelHoldsTheListenStream(t *testing.T) {
	scale := timescale.Scale(0.01) // Cloudflare's 100 s idle cut runs as 1 s
	s := mcpvcrtest.Start(t, server.Config{AutoApprove: true, TimeScale: scale})

	c, rep := mcpvcrtest.Replay(t, fixture, s.URL, toxics.CloudflareQuickTunnel, scale)

	// The server's side: the replayed client got its session.
	s.WaitMarkers(t, 10*time.Second, mcpvcrtest.InOrder("ACCESS TOKEN GENERATED", "SESSION CREATED", "SSE STREAM START"))

	// The client's side: the listen stream's events were held.
	listen := mcpvcrtest.ListenStream(c, rep)
	if listen.Interaction < 0 {
		t.Fatalf("%s has no listen stream", fixture)
	}
	if !listen.Has(harness.EventsHeld) {
		t.Errorf("listen stream findings = %v, want %s\nlive:\n%s", listen.Findings, harness.EventsHeld, listen.Live)
	}
}

// The same session through a tunnel that streams (a named Cloudflare
// tunnel) has no held events: the finding above comes from the profile.
func TestNamedTunnelDoesNotHoldTheListenStream(t *testing.T) {
	scale := timescale.Scale(0.01)
	s := mcpvcrtest.Start(t, server.Config{AutoApprove: true, TimeScale: scale})
	c, rep := mcpvcrtest.Replay(t, fixture, s.URL, toxics.CloudflareNamedTunnel, scale)
	if listen := mcpvcrtest.ListenStream(c, rep); listen.Has(harness.EventsHeld) {
		t.Errorf("listen stream findings = %v, want no %s", listen.Findings, harness.EventsHeld)
	}
}
