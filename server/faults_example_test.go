package server_test

import (
	"fmt"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
)

// A Config names its faults by their constants; a duration fault takes a
// time.Duration. ParseFaults reads the same set from --fault specs.
func ExampleFaultsOf() {
	cfg := server.Config{Faults: server.FaultsOf(server.FaultNoKeepalive, server.FaultIdleClose.For(100*time.Second))}
	fmt.Println(cfg.Faults)

	parsed, err := server.ParseFaults([]string{"no-keepalive", "idle-close=100s"})
	fmt.Println(parsed, err)
	// Output:
	// idle-close=1m40s,no-keepalive
	// idle-close=1m40s,no-keepalive <nil>
}
