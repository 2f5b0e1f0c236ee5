package matrix

import (
	"context"
	"net/url"
	"strings"

	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/mcpvcr/mcpvcr/toxics/realproxy"
)

// realSuffix marks a real column: the profile's real proxy instead of its
// simulation.
const realSuffix = " (real)"

// RealColumn names the column that replays through p's real proxy (Debian's
// nginx, haproxy, apache2 or caddy, toxics/realproxy), as Options.Real
// asks: "nginx-default (real)". No expectation is written down for it: set
// it beside the simulated column and compare.
func RealColumn(p toxics.Profile) toxics.Profile { return p + realSuffix }

// realTunnel returns, for a real column, the replayer's tunnel through the
// real proxy; ok is false for a simulated column. A proxy that is not
// installed (or cannot take the time scale, as Apache's whole seconds) fails
// the cell with that error.
func realTunnel(column toxics.Profile, scale timescale.Scale) (tunnel func(context.Context, *url.URL) (*url.URL, func() error, error), ok bool) {
	base, ok := strings.CutSuffix(string(column), realSuffix)
	if !ok {
		return nil, false
	}
	return func(ctx context.Context, target *url.URL) (*url.URL, func() error, error) {
		px, err := realproxy.Start(toxics.Profile(base), realproxy.Options{Upstream: target.Host, Scale: scale})
		if err != nil {
			return nil, nil, err
		}
		through := *target
		through.Host = px.Addr
		return &through, px.Close, nil
	}, true
}

// realSpeaksHTTP2 reports whether a real column's proxy takes HTTP/2 from
// its clients (nginx-http2 listens for h2c): the replayer must speak it too.
func realSpeaksHTTP2(column toxics.Profile) bool {
	base, ok := strings.CutSuffix(string(column), realSuffix)
	return ok && realproxy.HTTP2(toxics.Profile(base))
}
