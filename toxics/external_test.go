package toxics

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/toxiproxytest"
)

// A tunnel on the real toxiproxy-server (built from the module proxy):
// toxiproxy's own toxics apply and are measured; ours are refused with an
// error that says where they run.
func TestExternalToxiproxyServer(t *testing.T) {
	url := toxiproxytest.StartServer(t)
	o := startOrigin(t)
	tun := openTunnel(t, o.addr, TunnelOptions{
		ToxiproxyURL: url,
		Scale:        0.5,
		Extra:        []Spec{{Type: LatencyType, Stream: Downstream, Attrs: Attrs{"latency": 100 * time.Millisecond}}},
	})
	if tun.APIURL != url {
		t.Errorf("APIURL = %s, want the external %s", tun.APIURL, url)
	}
	start := time.Now()
	resp, err := client(t).Post("http://"+tun.Addr+"/echo", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if string(b) != "hello" || elapsed < 50*time.Millisecond {
		t.Errorf("echo %q after %v, want hello after >= 50ms (100 ms latency at scale 0.5)", b, elapsed)
	}
	t.Logf("external toxiproxy-server: round trip %v with 50 ms latency", elapsed)

	_, err = OpenTunnel(TunnelOptions{ToxiproxyURL: url, Upstream: o.addr, Name: "quick", Profile: CloudflareQuickTunnel})
	if !errors.Is(err, ErrUnknownToxic) {
		t.Errorf("custom toxics on the external server: err = %v, want ErrUnknownToxic", err)
	}
	// The failed open removed its proxy.
	resp, err = client(t).Get(url + "/proxies/quick")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /proxies/quick = %d, want 404 after the failed open", resp.StatusCode)
	}
}
