package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mcpvcr/mcpvcr/toxics"
)

func init() {
	register(command{name: "tunnel", summary: "run a simulated tunnel (toxiproxy + HTTP-aware toxics) in front of a server", run: runTunnel})
}

// tunnelContext ends the tunnel; tests replace it to stop a tunnel without
// a signal.
var tunnelContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func runTunnel(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("tunnel", "tunnel --upstream URL|HOST:PORT [--profile NAME] [--listen ADDR] [--api ADDR] [--timescale F] [--toxic TYPE:k=v,...]...\n       mcpvcr tunnel --real PROFILE --upstream URL|HOST:PORT [--listen ADDR] [--timescale F]\n       mcpvcr tunnel --list", stderr)
	var opts toxics.TunnelOptions
	var profile string
	var extra stringList
	fs.StringVar(&profile, "profile", string(toxics.Clean), "tunnel profile (see --list)")
	var upstream string
	fs.StringVar(&upstream, "upstream", "", "the server: HOST:PORT or its URL (http://127.0.0.1:8080/mcp; the tunnel is TCP, so only host and port count)")
	quiet := fs.Bool("quiet", false, "do not log each connection and each toxic action")
	fs.StringVar(&opts.Listen, "listen", "127.0.0.1:8081", "where clients connect (port 0 picks one)")
	fs.StringVar(&opts.APIAddr, "api", "", "serve toxiproxy's REST API here for toxiproxy-cli, e.g. 127.0.0.1:8474 (default: a free loopback port)")
	fs.StringVar(&opts.ToxiproxyURL, "toxiproxy", os.Getenv("TOXIPROXY_URL"), "use this external toxiproxy-server instead of the embedded one (default $TOXIPROXY_URL); it knows toxiproxy's own toxics only")
	scale := addTimescaleFlag(fs, 1, "multiply every duration of the profile and of --toxic by this factor (0.001: 100 s becomes 100 ms)")
	fs.Var(&extra, "toxic", "add a toxic TYPE[:key=value,...] after the profile's (repeatable); keys name, stream, toxicity set the toxic, durations like 100s are scaled")
	fs.DurationVar(&opts.BalancerIdle, "balancer-idle", 0, "put a load balancer's pool of keep-alive connections behind the toxics, keeping an idle connection to the server this long (scaled; ALB 60s; 0 = the profile's, negative = none); a server whose keep-alive is shorter gets 502 on POSTs (field failure 28)")
	list := fs.Bool("list", false, "list the profiles and the toxics with their attributes, then exit")
	real := fs.String("real", "", "run the real proxy PROFILE simulates instead of toxiproxy, if installed (nginx-default, nginx-http2, haproxy-default, apache-default, apache-debian, caddy-default, caddy-http2)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	opts.Scale = *scale
	if *list {
		toxics.WriteCatalog(stdout, opts.Scale)
		return nil
	}
	if upstream == "" {
		return missingFlag(fs, stderr, "--upstream URL|HOST:PORT (the server behind the tunnel)")
	}
	var err error
	if opts.Upstream, err = upstreamHostPort(upstream); err != nil {
		return err
	}
	if *real != "" {
		if len(extra) > 0 || opts.APIAddr != "" || opts.ToxiproxyURL != "" || (profile != string(toxics.Clean) && profile != *real) {
			return fmt.Errorf("--real %s runs a real proxy: --profile, --toxic, --api and --toxiproxy do not apply", *real)
		}
		return runRealTunnel(toxics.Profile(*real), opts.Upstream, opts.Listen, opts.Scale, stdout)
	}
	if opts.APIAddr != "" && opts.ToxiproxyURL != "" {
		return fmt.Errorf("--api serves the embedded toxiproxy's API; with --toxiproxy %s the external server has its own", opts.ToxiproxyURL)
	}
	opts.Profile = toxics.Profile(profile)
	if _, err := opts.Profile.Toxics(); err != nil {
		return err
	}
	for _, v := range extra {
		spec, err := toxics.ParseSpec(v)
		if err != nil {
			return fmt.Errorf("--toxic: %w", err)
		}
		opts.Extra = append(opts.Extra, spec)
	}

	if !*quiet {
		logLine := func(s string) { fmt.Fprintf(stderr, "%s tunnel: %s\n", time.Now().Format("15:04:05.000"), s) }
		opts.ConnLog = logLine
		toxics.SetActionLog(func(a toxics.Action) { logLine(a.String()) })
		defer toxics.SetActionLog(nil)
	}
	tun, err := toxics.OpenTunnel(opts)
	if err != nil {
		return err
	}
	defer tun.Close()
	where := "embedded"
	if opts.ToxiproxyURL != "" {
		where = "external"
	}
	fmt.Fprintf(stdout, "mcpvcr tunnel: listening on %s -> upstream %s\n", tun.Addr, opts.Upstream)
	fmt.Fprintf(stdout, "  profile %s: %s\n", opts.Profile, opts.Profile.Summary())
	if opts.Profile.HTTP2() {
		fmt.Fprintf(stdout, "  also speaks HTTP/2 without TLS (h2c, prior knowledge: curl --http2-prior-knowledge), through Go's HTTP/2 server, before the toxics\n")
	}
	fmt.Fprintf(stdout, "  time scale %s\n", opts.Scale)
	fmt.Fprintf(stdout, "  toxiproxy API: %s (%s; try: toxiproxy-cli -h %s inspect mcpvcr)\n", tun.APIURL, where, tun.APIURL)
	if len(tun.Applied) == 0 {
		fmt.Fprintf(stdout, "  toxics: none\n")
	} else {
		fmt.Fprintf(stdout, "  toxics:\n")
		for _, a := range tun.Applied {
			fmt.Fprintf(stdout, "    + %s\n", a)
		}
	}
	if tun.Balancer != nil {
		fmt.Fprintf(stdout, "  then: %s\n", tun.Balancer)
	}

	if !*quiet {
		fmt.Fprintf(stdout, "  logging each connection and toxic action to stderr (--quiet: off)\n")
	}
	ctx, stop := tunnelContext()
	defer stop()
	<-ctx.Done()
	fmt.Fprintf(stdout, "mcpvcr tunnel: stopping\n")
	return nil
}

// upstreamHostPort reads --upstream: HOST:PORT, or a URL whose host and
// port (80 or 443 by default) the TCP tunnel forwards to.
func upstreamHostPort(v string) (string, error) {
	if !strings.Contains(v, "://") {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return "", fmt.Errorf("--upstream %q: want HOST:PORT or a URL (http://127.0.0.1:8080)", v)
		}
		return v, nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("--upstream %q: want HOST:PORT or an http(s) URL", v)
	}
	if u.Port() != "" {
		return u.Host, nil
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443"), nil
	}
	return net.JoinHostPort(u.Hostname(), "80"), nil
}
