// Command testclient runs harnesstest.RunSession against a URL: go-sdk's
// client with OAuth (discovery, DCR, PKCE), initialize, the listen stream,
// tools/list, two tool calls and a notification, then a clean close.
//
//	go run ./harness/harnesstest/testclient -url http://127.0.0.1:8090
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8090", "server (or recorder) base URL; the session uses URL/mcp")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := harnesstest.RunSession(ctx, *url); err != nil {
		fmt.Fprintln(os.Stderr, "testclient:", err)
		os.Exit(1)
	}
	fmt.Println("testclient: session complete")
}
