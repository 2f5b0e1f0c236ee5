package markers_test

import (
	"fmt"

	"github.com/mcpvcr/mcpvcr/markers"
)

func ExampleParseLine() {
	e, ok := markers.ParseLine("2026-11-27T10:00:00.000000Z req=ab12 session=- === REQUEST BODY === Received 0 bytes")
	fmt.Println(ok, e.Name == markers.RequestBody, e.Detail, e.RequestID)
	fmt.Println(markers.SSEEvent.Nth("0"))
	// Output:
	// true true Received 0 bytes ab12
	// SSE EVENT 0
}
