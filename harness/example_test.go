package harness_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
)

// Record a go-sdk OAuth session through the recorder, then replay it
// against a fresh server that shares no secret with the recorded one.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	upstream := harnesstest.NewServer(nil)
	defer upstream.Close()
	rec, _ := harness.NewRecorder(upstream.URL, nil)
	front := httptest.NewServer(rec)
	defer front.Close()
	if err := harnesstest.RunSession(ctx, front.URL); err != nil {
		fmt.Println(err)
		return
	}
	rec.WaitIdle(ctx)
	rec.Close()
	c := rec.Cassette()

	fresh := harnesstest.NewServer(nil)
	defer fresh.Close()
	rep, err := harness.Replay(ctx, c, fresh.URL, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("client:", c.Provenance.Client)
	fmt.Println("interactions:", len(rep.Results), "differences:", len(rep.Differences()))
	// Output:
	// client: harness-recorded-client/0.1.0
	// interactions: 14 differences: 0
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
