package toxics

import (
	"context"
	"net/url"
)

// Front returns what a replayer calls to reach a target through a tunnel
// with these options (harness.ReplayOptions.Tunnel takes it as it is):
//
//	replayer > tunnel(o.Profile, o.Scale, o.Extra) > target
//
// Each call opens a fresh tunnel whose Upstream is target's host, and
// returns target with the host replaced by the tunnel's address and the
// tunnel's Close. opened, when not nil, is given each tunnel as it opens
// (its Applied toxics explain a verdict).
func (o TunnelOptions) Front(opened func(*Tunnel)) func(ctx context.Context, target *url.URL) (through *url.URL, closeTunnel func() error, err error) {
	return func(ctx context.Context, target *url.URL) (*url.URL, func() error, error) {
		opts := o
		opts.Upstream = target.Host
		t, err := OpenTunnel(opts)
		if err != nil {
			return nil, nil, err
		}
		if opened != nil {
			opened(t)
		}
		through := *target
		through.Host = t.Addr
		return &through, t.Close, nil
	}
}
