package mcpvcrtest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// Tunnel is a tunnel profile in front of an address:
//
//	client > Tunnel.URL > toxics(profile, scale) > target
type Tunnel struct {
	*toxics.Tunnel
	// URL is the base URL through the tunnel, "http://127.0.0.1:PORT".
	URL string
}

// OpenTunnel puts profile in front of target (a base URL such as
// Server.URL, or HOST:PORT) with every duration multiplied by scale (0
// means 1). The caller should call Close when finished.
func OpenTunnel(profile toxics.Profile, target string, scale timescale.Scale) (*Tunnel, error) {
	host := target
	if strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			return nil, fmt.Errorf("tunnel target %q: %w", target, err)
		}
		host = u.Host
	}
	if scale == 0 {
		scale = 1
	}
	t, err := toxics.OpenTunnel(toxics.TunnelOptions{Profile: profile, Upstream: host, Scale: scale, Name: "mcpvcrtest-" + string(profile)})
	if err != nil {
		return nil, fmt.Errorf("tunnel %s: %w", profile, err)
	}
	return &Tunnel{Tunnel: t, URL: "http://" + t.Addr}, nil
}

// StartTunnel is OpenTunnel closed when t's test ends; it fails t when the
// tunnel cannot open.
func StartTunnel(t testing.TB, profile toxics.Profile, target string, scale timescale.Scale) *Tunnel {
	t.Helper()
	tun, err := OpenTunnel(profile, target, scale)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tun.Close() })
	return tun
}
