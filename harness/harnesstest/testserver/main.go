// Command testserver runs harnesstest.Server: an MCP server (go-sdk) behind
// an OAuth-like front, logging the seed's markers to stdout. It is what the
// harness docs record and replay until `mcpvcr serve` is complete.
//
//	go run ./harness/harnesstest/testserver -addr 127.0.0.1:9100
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
	"github.com/mcpvcr/mcpvcr/server"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9100", "listen address")
	greeting := flag.String("greeting", "hello ", "prefix of the greet tool's answer")
	format := flag.String("log-format", "text", "marker log format: text or json")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := harnesstest.NewServer(&harnesstest.Options{Greeting: *greeting, Log: os.Stdout, LogFormat: server.LogFormat(*format), Listener: ln})
	defer srv.Close()
	fmt.Fprintf(os.Stderr, "testserver: listening on %s\n", srv.URL)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
