package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/mcpvcr/mcpvcr/toxics/realproxy"
)

// runRealTunnel runs the real proxy a profile simulates (Debian's nginx,
// haproxy, apache2 or caddy, from its packaged default config) instead of
// the simulation, until a signal, so a reproduction can be confirmed on the
// real thing:
//
//	client > --listen > nginx|haproxy|apache2|caddy > --upstream
func runRealTunnel(profile toxics.Profile, upstream, listen string, scale timescale.Scale, stdout io.Writer) error {
	px, err := realproxy.Start(profile, realproxy.Options{Upstream: upstream, Listen: listen, Scale: scale})
	if errors.Is(err, realproxy.ErrNoCounterpart) {
		return fmt.Errorf("--real %s: no real proxy for this profile; these have one: %v", profile, realproxy.Profiles())
	}
	if err != nil {
		return fmt.Errorf("--real %s: %w", profile, err)
	}
	defer px.Close()
	fmt.Fprintf(stdout, "mcpvcr tunnel: listening on %s -> upstream %s\n", px.Addr, upstream)
	fmt.Fprintf(stdout, "  real %s instead of the profile %s: %s\n", px.Version, profile, profile.Summary())
	if realproxy.HTTP2(profile) {
		fmt.Fprintf(stdout, "  speaks HTTP/2 without TLS (h2c, prior knowledge): curl --http2-prior-knowledge\n")
	}
	fmt.Fprintf(stdout, "  time scale %s (applied to the config's timeouts)\n", scale)
	fmt.Fprintf(stdout, "  config, pid and logs: %s\n", px.Dir)
	ctx, stop := tunnelContext()
	defer stop()
	select {
	case <-ctx.Done():
	case <-px.Done():
		return fmt.Errorf("%s exited: %s", px.Version, px.Output())
	}
	fmt.Fprintf(stdout, "mcpvcr tunnel: stopping\n")
	return nil
}
