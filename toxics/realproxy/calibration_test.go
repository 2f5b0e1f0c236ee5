package realproxy

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// calibrationScale is the time scale each profile's cut probes run at:
// small enough that the proxy's idle timeout is about a second, in a unit
// its config accepts (Apache's Timeout takes whole seconds).
var calibrationScale = map[toxics.Profile]timescale.Scale{
	toxics.NginxDefault:   0.01,     // proxy_read_timeout 60 s -> 600 ms
	toxics.NginxHTTP2:     0.01,     // same
	toxics.HAProxyDefault: 0.01,     // timeout server 50 s -> 500 ms
	toxics.ApacheDefault:  1.0 / 60, // Timeout 60 -> 1
	toxics.ApacheDebian:   1.0 / 300,
	toxics.CaddyDefault:   0.01, // no timeouts: nothing is cut
	toxics.CaddyHTTP2:     0.01,
}

// TestCalibration runs the probe suite through each real proxy and through
// its profile and requires them to agree. It skips a proxy that is not
// installed, except under CI=true (.ci/setup.d/40-proxies.sh installs them).
func TestCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real proxies")
	}
	for _, p := range Profiles() {
		t.Run(string(p), func(t *testing.T) {
			Require(t, p)
			version, err := Version(p)
			if err != nil {
				t.Fatal(err)
			}
			scale, ok := calibrationScale[p]
			if !ok {
				t.Fatalf("no calibration scale for %s", p)
			}
			window := cutWindow(t, p, scale)
			for _, pr := range probes {
				t.Run(pr.name, func(t *testing.T) {
					s := timescale.Scale(1)
					if pr.cut {
						s = scale
					}
					measure := func() (real, sim observation) {
						o := startOrigin(t)
						addr, c := realFront(t, p, o.addr, s)
						real = pr.run(t, addr, c, o, window)
						o = startOrigin(t)
						addr, c = profileFront(t, p, o.addr, s)
						return real, pr.run(t, addr, c, o, window)
					}
					real, sim := measure()
					// Load on this shared machine only ever adds delay: when
					// only times disagree, measure twice more and compare
					// each side's fastest.
					for try := 0; try < 2 && onlyTimesDiffer(real, sim); try++ {
						r, s := measure()
						real, sim = real.fastest(r), sim.fastest(s)
					}
					t.Logf("calibration | %s | %s | %s | real: %s | profile: %s", p, version, pr.name, real, sim)
					if diff := differences(real, sim); len(diff) > 0 {
						t.Errorf("%s at scale %v: profile %s disagrees with %s:\n  %s",
							pr.name, s, p, version, strings.Join(diff, "\n  "))
					}
				})
			}
		})
	}
}

// cutWindow is how long a cut probe waits: three times the profile's idle
// cut at scale, or 1.5 s for a profile that never cuts.
func cutWindow(t *testing.T, p toxics.Profile, scale timescale.Scale) time.Duration {
	specs, err := p.Toxics()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		if d, ok := s.Attrs["timeout"].(time.Duration); ok && s.Type == toxics.IdleCutType {
			return 3*scale.Scale(d) + time.Second
		}
	}
	return 1500 * time.Millisecond
}

func realFront(t *testing.T, p toxics.Profile, upstream string, scale timescale.Scale) (string, *http.Client) {
	t.Helper()
	px, err := Start(p, Options{Upstream: upstream, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { px.Close() })
	return px.Addr, newClient(t, HTTP2(p))
}

func profileFront(t *testing.T, p toxics.Profile, upstream string, scale timescale.Scale) (string, *http.Client) {
	t.Helper()
	tun, err := toxics.OpenTunnel(toxics.TunnelOptions{Profile: p, Upstream: upstream, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tun.Close() })
	return tun.Addr, newClient(t, p.HTTP2())
}

// newClient returns a client without its own timeout (probes carry
// deadlines); h2c speaks HTTP/2 without TLS, with prior knowledge.
func newClient(t *testing.T, h2c bool) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	if h2c {
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		tr.Protocols = &p
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// TestStartErrors: the errors a user of `tunnel --real` can act on.
func TestStartErrors(t *testing.T) {
	if _, err := Start(toxics.CloudflareQuickTunnel, Options{Upstream: "127.0.0.1:1"}); !errors.Is(err, ErrNoCounterpart) {
		t.Errorf("Start(cloudflare-quick-tunnel) = %v, want ErrNoCounterpart", err)
	}
	Require(t, toxics.NginxDefault)
	if _, err := Start(toxics.NginxDefault, Options{Upstream: "127.0.0.1:1", Listen: "0.0.0.0:0"}); err == nil {
		t.Error("Start with a non-loopback listener succeeded, want an error")
	}
	if _, err := Start(toxics.ApacheDefault, Options{Upstream: "127.0.0.1:1", Scale: 0.001}); err == nil || !strings.Contains(err.Error(), "whole seconds") {
		t.Errorf("Start(apache at scale 0.001) = %v, want a whole-seconds error", err)
	}
}
