package harness_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/internal/fixtureclients"
	"github.com/mcpvcr/mcpvcr/mcpvcrtest"
	"github.com/mcpvcr/mcpvcr/server"
)

// Record go-sdk's client (OAuth, initialize, the listen stream, tools)
// through the recorder in front of the real server, then replay it against
// a fresh server (its own miniredis) that shares no secret with the
// recorded one.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	upstream, err := mcpvcrtest.NewServer(server.Config{AutoApprove: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer upstream.Close()
	rec, _ := harness.NewRecorder(upstream.URL, nil)
	front := httptest.NewServer(rec)
	defer front.Close()
	if err := fixtureclients.GoSDK(ctx, front.URL); err != nil {
		fmt.Println(err)
		return
	}
	rec.WaitIdle(ctx)
	rec.Close()
	c := rec.Cassette()

	fresh, err := mcpvcrtest.NewServer(server.Config{AutoApprove: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer fresh.Close()
	rep, err := harness.Replay(ctx, c, fresh.URL, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("client:", c.Provenance.Client)
	fmt.Println("interactions:", len(rep.Results), "differences:", len(rep.Differences()))
	// Output:
	// client: mcpvcr-fixture-gosdk/1.8.0
	// interactions: 15 differences: 0
}

// Assert the seed's "Failed Flow" from log lines: the stream closed after
// two events.
func ExampleMarkers_InOrder() {
	log := harness.NewMarkerLog()
	fmt.Fprint(log, "=== SSE STREAM START === Beginning event generation\n"+
		"=== SSE EVENT 0 === Sent priming event\n"+
		"=== SSE EVENT 1 === Sent endpoint event\n"+
		"=== STREAM CLOSING === Processing complete, no more requests\n")
	ms := log.Markers()
	fmt.Println(ms.InOrder("SSE STREAM START", "SSE EVENT*", "STREAM CLOSING"))
	fmt.Println(ms.Count("SSE EVENT*", 2))
	fmt.Println(ms.Absent("INITIALIZE DETECTED"))
	// Output:
	// <nil>
	// <nil>
	// <nil>
}
