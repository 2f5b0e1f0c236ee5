package mcpvcrtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/mcpvcrtest"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// Replay go-sdk's recorded session through a Cloudflare Quick Tunnel, at a
// hundredth of production time, against a fresh server: the session is
// created as recorded, but the tunnel holds the GET listen stream's events until
// it ends (field failure 2), which the replayer reports from the client's
// side as the finding events-held.
func Example() {
	scale := timescale.Scale(0.01)
	s, err := mcpvcrtest.NewServer(server.Config{AutoApprove: true, TimeScale: scale})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	c, err := harness.LoadCassette("../fixtures/gosdk_oauth_session.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	quick := toxics.TunnelOptions{Profile: toxics.CloudflareQuickTunnel, Scale: scale}
	rep, err := harness.Replay(ctx, c, s.URL, &harness.ReplayOptions{
		TimeScale: scale, Tunnel: quick.Front(nil), Grace: harness.WorldGrace(scale),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	listen := mcpvcrtest.ListenStream(c, rep)
	fmt.Println("session created:", s.Markers.Markers().Count("SESSION CREATED", 1) == nil)
	fmt.Println("listen stream:", harness.EventsHeld, listen.Has(harness.EventsHeld))
	// Output:
	// session created: true
	// listen stream: events-held true
}
