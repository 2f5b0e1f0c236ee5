// Command recordfixtures re-records the fixtures under fixtures/ through
// the real CLI (see package internal/recordfixtures):
//
//	go run ./internal/cmd/recordfixtures -mcpvcr bin/mcpvcr [-only NAME,...] [-dir fixtures]
//
// `make fixtures` builds bin/mcpvcr and runs it. Review the fixture diff
// like code before committing.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/mcpvcr/mcpvcr/internal/recordfixtures"
)

func main() {
	bin := flag.String("mcpvcr", "bin/mcpvcr", "the mcpvcr binary (serve, record, replay)")
	dir := flag.String("dir", "fixtures", "where the fixtures go")
	only := flag.String("only", "", "comma-separated fixture names to re-record (default: all)")
	list := flag.Bool("list", false, "list the catalog and exit")
	flag.Parse()
	if *list {
		for _, f := range recordfixtures.Catalog {
			fmt.Printf("%-40s %s\n", f.Name, f.Client)
		}
		return
	}
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
		for _, n := range names {
			if !slices.ContainsFunc(recordfixtures.Catalog, func(f recordfixtures.Fixture) bool { return f.Name == n }) {
				fmt.Fprintf(os.Stderr, "recordfixtures: no fixture %q in the catalog (-list shows them)\n", n)
				os.Exit(2)
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed := 0
	for _, f := range recordfixtures.Catalog {
		if names != nil && !slices.Contains(names, f.Name) {
			continue
		}
		path, err := recordfixtures.Record(ctx, f, recordfixtures.Options{MCPVCR: *bin, Dir: *dir, Log: os.Stdout})
		switch {
		case errors.Is(err, recordfixtures.ErrSkipped):
			fmt.Printf("SKIP %s\n", err)
		case err != nil:
			fmt.Printf("FAIL %v\n", err)
			failed++
		default:
			fmt.Printf("ok   %s\n", path)
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
}
