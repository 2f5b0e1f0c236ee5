package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mcpvcr/mcpvcr/loadgen"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/toxics"
)

func init() {
	register(command{name: "load", summary: "drive many concurrent OAuth + MCP sessions through a tunnel and report errors, lost events, latency and memory", run: runLoad})
}

// loadFailed is returned when the run had errors or lost events: exit 1.
type loadFailed struct{ errors, lost int64 }

func (e loadFailed) Error() string {
	return fmt.Sprintf("%d error(s), %d lost event(s)", e.errors, e.lost)
}
func (loadFailed) ExitCode() int { return 1 }

// runLoad is flags plus a run of loadgen.Run:
//
//	load clients > tunnel (toxiproxy: latency+jitter both ways, profile) > server
//
// The server runs in this process (auto-approve, in-process miniredis or
// --redis) unless --upstream names one; the tunnel always runs in it.
func runLoad(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", "load [--sessions N] [--calls N] [--latency D --jitter D] [--profile NAME] [--toxic SPEC]... [--upstream HOST:PORT]", stderr)
	var opts loadgen.Options
	var profile, upstream, redisURL string
	var extra stringList
	fs.IntVar(&opts.Sessions, "sessions", 500, "concurrent sessions, all open at once")
	fs.IntVar(&opts.Calls, "calls", 20, "tool calls per session")
	fs.IntVar(&opts.NotifyEvery, "notify-every", 5, "every n-th call is a notify (its log messages arrive on the listen stream); the others are echo")
	fs.IntVar(&opts.EventsPerNotify, "events", 3, "log messages per notify call")
	fs.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "stop the run after this long (it counts as failed)")
	latency := fs.Duration("latency", 10*time.Millisecond, "tunnel latency each way (toxiproxy latency toxic; 0 = none)")
	jitter := fs.Duration("jitter", 5*time.Millisecond, "tunnel latency jitter each way")
	fs.StringVar(&profile, "profile", string(toxics.Clean), "tunnel profile, applied before the latency (see mcpvcr tunnel --list)")
	fs.Var(&extra, "toxic", "add a toxic TYPE[:key=value,...] after the latency (repeatable)")
	fs.StringVar(&upstream, "upstream", "", "load this server's HOST:PORT (it must auto-approve) instead of one in this process")
	fs.StringVar(&redisURL, "redis", os.Getenv("REDIS_URL"), "Redis URL for the in-process server (default $REDIS_URL; empty = in-process miniredis)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if opts.Sessions <= 0 || opts.Calls <= 0 || opts.NotifyEvery <= 0 || opts.EventsPerNotify <= 0 || opts.EventsPerNotify > 100 {
		return fmt.Errorf("--sessions, --calls and --notify-every must be > 0, --events 1 to 100")
	}
	tunOpts := toxics.TunnelOptions{Profile: toxics.Profile(profile), Scale: 1, Name: "mcpvcr-load"}
	if _, err := tunOpts.Profile.Toxics(); err != nil {
		return err
	}
	if *latency > 0 || *jitter > 0 {
		for _, stream := range []toxics.Direction{toxics.Downstream, toxics.Upstream} {
			tunOpts.Extra = append(tunOpts.Extra, toxics.Spec{
				Type: toxics.LatencyType, Name: "load_latency_" + string(stream), Stream: stream,
				Attrs: toxics.Attrs{"latency": *latency, "jitter": *jitter},
			})
		}
	}
	for _, v := range extra {
		spec, err := toxics.ParseSpec(v)
		if err != nil {
			return fmt.Errorf("--toxic: %w", err)
		}
		tunOpts.Extra = append(tunOpts.Extra, spec)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if upstream == "" {
		addr, closeServer, err := startLoadServer(redisURL)
		if err != nil {
			return err
		}
		defer closeServer()
		upstream = addr
	}
	tunOpts.Upstream = upstream
	tun, err := toxics.OpenTunnel(tunOpts)
	if err != nil {
		return err
	}
	defer tun.Close()
	opts.URL = "http://" + tun.Addr

	fmt.Fprintf(stdout, "mcpvcr load: %d sessions x %d calls (every %d-th a notify of %d events) -> tunnel %s -> server %s\n",
		opts.Sessions, opts.Calls, opts.NotifyEvery, opts.EventsPerNotify, tun.Addr, upstream)
	for _, a := range tun.Applied {
		fmt.Fprintf(stdout, "  toxic %s\n", a)
	}
	rep, err := loadgen.Run(ctx, opts)
	if err != nil {
		return err
	}
	rep.WriteText(stdout)
	if !rep.OK() {
		return loadFailed{errors: int64(rep.Errors), lost: rep.Lost()}
	}
	return nil
}

// startLoadServer runs an auto-approving server on a free loopback port,
// its marker log discarded (500 sessions log tens of thousands of lines).
func startLoadServer(redisURL string) (addr string, closeServer func(), err error) {
	lb, err := server.StartLoopback(server.Config{AutoApprove: true, RedisURL: redisURL})
	if err != nil {
		return "", nil, err
	}
	return lb.Listener.Addr().String(), func() { lb.Close() }, nil
}
