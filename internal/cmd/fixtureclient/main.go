// Command fixtureclient runs one of the fixture clients
// (internal/fixtureclients) against a server or a recorder, once:
//
//	go run ./internal/cmd/fixtureclient http://127.0.0.1:8090
//	go run ./internal/cmd/fixtureclient -client claude-connector-order http://127.0.0.1:8090
//
// The server must auto-approve consent (`mcpvcr serve --auto-approve`).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/fixtureclients"
)

// clients are the sessions by name.
var clients = map[string]fixtureclients.Session{
	"gosdk":                  fixtureclients.GoSDK,
	"claude-connector-order": fixtureclients.ClaudeConnectorOrder,
	"seed-curl-walkthrough":  fixtureclients.SeedCurlWalkthrough,
	// Against the reference servers (internal/referenceservers), no auth.
	"everything-ts":           fixtureclients.EverythingTS,
	"everything-go":           fixtureclients.EverythingGo,
	"everything-go-stateless": fixtureclients.EverythingGoStateless,
}

func main() {
	var names []string
	for n := range clients {
		names = append(names, n)
	}
	sort.Strings(names)
	name := flag.String("client", "gosdk", "which client: "+strings.Join(names, ", "))
	timeout := flag.Duration("timeout", 30*time.Second, "give up after this long")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: fixtureclient [-client NAME] BASE_URL   (the session uses BASE_URL/mcp)\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	session, ok := clients[*name]
	if !ok || flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := session(ctx, strings.TrimSuffix(flag.Arg(0), "/")); err != nil {
		fmt.Fprintf(os.Stderr, "fixtureclient %s: %v\n", *name, err)
		os.Exit(1)
	}
	fmt.Printf("fixtureclient %s: session complete\n", *name)
}
