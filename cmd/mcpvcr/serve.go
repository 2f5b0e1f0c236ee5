package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
)

func init() {
	register(command{name: "serve", summary: "run the MCP + OAuth 2.1 server (embedded Redis by default)", run: runServe})
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [flags]", stderr)
	cfg := server.Config{
		Addr:      "127.0.0.1:8080",
		RedisURL:  os.Getenv("REDIS_URL"),
		Keepalive: 15 * time.Second,
		TimeScale: 1,
		// On the command line a secret is visible in ps; the environment is not.
		ConsentSecret: os.Getenv("MCPVCR_CONSENT_SECRET"),
	}
	flags := server.RegisterConfigFlags(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := flags.Apply(); err != nil {
		return err
	}
	cfg.LogOutput = stdout
	cfg.ApprovalOutput = stderr // the operator's terminal, not the marker log

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	cfg.Addr = ln.Addr().String() // resolves ":0"
	srv, err := server.New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	fmt.Fprintf(stderr, "mcpvcr serve: listening on http://%s (issuer %s, redis %s)\n", cfg.Addr, srv.Issuer(), redisLabel(cfg.RedisURL))

	hs := server.NewHTTPServer(srv, cfg) // slow-loris timeouts that never cut SSE
	if err := serveUntilSignal(hs, ln); err != nil {
		return err
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// redisLabel names the Redis in use without printing a password.
func redisLabel(url string) string {
	if url == "" {
		return "in-process miniredis"
	}
	if i := strings.Index(url, "@"); i >= 0 {
		if j := strings.Index(url, "://"); j >= 0 && j < i {
			return url[:j+3] + "***" + url[i:]
		}
	}
	return url
}
