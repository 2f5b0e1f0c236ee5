package loopback_test

import (
	"fmt"

	"github.com/mcpvcr/mcpvcr/loopback"
)

func ExampleIsHost() {
	fmt.Println(loopback.IsHost("127.0.0.1:8474"), loopback.IsHost("[::1]:80"), loopback.IsHost("abc.trycloudflare.com"))
	// Output: true true false
}
