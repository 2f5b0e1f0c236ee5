// Command bench is `make bench`: the side-by-side performance table of
// mcpvcr (see internal/bench and docs/performance.md).
//
//	go run ./internal/cmd/bench -mcpvcr bin/mcpvcr -reference .cache/bench/everything-server
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/bench"
)

func main() {
	mcpvcr := flag.String("mcpvcr", "bin/mcpvcr", "the mcpvcr binary")
	reference := flag.String("reference", ".cache/bench/everything-server", "go-sdk's conformance/everything-server binary")
	dir := flag.String("dir", ".cache/bench", "logs and scratch files")
	jsonOut := flag.String("json", "", "also write the report as JSON here")
	rounds := flag.Int("rounds", 3, "alternating rounds per throughput figure")
	round := flag.Duration("round", 3*time.Second, "length of one round")
	only := flag.String("only", "", "comma-separated sections: server,tunnel,sse,listen,replay,scenarios (default all)")
	listenSteps := flag.String("listen-steps", "1000,10000,19000", "numbers of idle listen streams to hold, in order")
	peer := flag.String("peer", "", "internal: serve a bench peer (echo or ticker) on -addr")
	addr := flag.String("addr", "", "internal: the peer's address")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: bench [flags]\n\nRuns the performance table of `make bench`.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *peer != "" {
		servePeer(*peer, *addr)
		return
	}
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	for _, bin := range []string{*mcpvcr, *reference} {
		if _, err := os.Stat(bin); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v (make bench builds it)\n", err)
			os.Exit(2)
		}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o := bench.Options{
		MCPVCR: *mcpvcr, Reference: *reference, Self: self, Dir: *dir,
		Rounds: *rounds, Duration: *round,
		Progress: func(s string) { fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), s) },
	}
	for _, f := range strings.Split(*listenSteps, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bench: -listen-steps: %q is not a positive number\n", f)
			os.Exit(2)
		}
		o.ListenSteps = append(o.ListenSteps, n)
	}
	if *only != "" {
		o.Sections = strings.Split(*only, ",")
	}
	rep, err := bench.Run(ctx, o)
	if rep != nil {
		rep.WriteText(os.Stdout)
		if *jsonOut != "" {
			if werr := rep.WriteJSON(*jsonOut); werr != nil {
				log.Fatal(werr)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func servePeer(name, addr string) {
	var h http.Handler
	switch name {
	case "echo":
		h = bench.EchoHandler()
	case "ticker":
		h = bench.TickerHandler()
	default:
		log.Fatalf("unknown peer %q", name)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.Serve(l, h))
}
