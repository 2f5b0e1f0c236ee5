package timescale_test

import (
	"fmt"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// The time scale turns production durations into test durations.
func ExampleScale() {
	scale := timescale.Scale(0.001)
	fmt.Println(scale.Millis(100_000_000_000)) // Cloudflare's 100 s, in ms
	// Output: 100
}
