package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
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
	var cfg server.Config
	var logFormat, auth, clientsFile string
	var faults stringList
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&cfg.Issuer, "issuer", "", "issuer URL clients see (default http://ADDR)")
	fs.StringVar(&cfg.RedisURL, "redis", os.Getenv("REDIS_URL"), "Redis URL, e.g. redis://127.0.0.1:6379/0 (default $REDIS_URL; empty = in-process miniredis)")
	fs.BoolVar(&cfg.AutoApprove, "auto-approve", false, "grant consent without showing the consent page")
	fs.StringVar(&clientsFile, "clients", "", "JSON file of static OAuth clients, besides the built-in public client claude-desktop (see docs/oauth.md)")
	fs.StringVar(&logFormat, "log-format", "text", "marker log format: text or json")
	fs.StringVar(&auth, "auth", "on", "bearer check on /mcp: on, or off (only for the conformance suite)")
	fs.DurationVar(&cfg.Keepalive, "keepalive", 15*time.Second, "SSE comment interval on idle streams (0 = off; scaled by --timescale)")
	fs.Float64Var(&cfg.TimeScale, "timescale", 1, "multiply every server-side duration by this factor")
	fs.StringVar(&cfg.Tools, "tools", "default", "tool set: default or conformance")
	fs.Var(&faults, "fault", "inject a server fault NAME[=VALUE] (repeatable; DURs scaled by --timescale):\n  "+strings.Join(server.FaultUsage(), "\n  "))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch logFormat {
	case "text", "json":
		cfg.LogFormat = server.LogFormat(logFormat)
	default:
		return fmt.Errorf("--log-format %q: want text or json", logFormat)
	}
	switch auth {
	case "on":
	case "off":
		cfg.AuthOff = true
	default:
		return fmt.Errorf("--auth %q: want on or off", auth)
	}
	if cfg.Keepalive == 0 {
		cfg.Keepalive = -1 // flag 0 means off; Config 0 means default
	}
	if cfg.TimeScale <= 0 {
		return fmt.Errorf("--timescale %v: must be > 0", cfg.TimeScale)
	}
	if _, err := server.ParseFaults(faults); err != nil {
		return fmt.Errorf("--fault: %w", err)
	}
	cfg.Faults = faults
	if clientsFile != "" {
		clients, err := server.LoadStaticClients(clientsFile)
		if err != nil {
			return fmt.Errorf("--clients: %w", err)
		}
		cfg.Clients = clients
	}
	cfg.LogOutput = stdout

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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
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
