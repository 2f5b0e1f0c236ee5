package toxics

import (
	"errors"
	"io"
	"net/http"
	"os"
	"testing"
)

// TestOriginDeathPassesThrough: behind every platform profile, a server
// that dies after its 200 headers and one event (field failure 33) ends
// the client's stream at once, as a broken body. No platform's
// documentation says it holds a client whose origin died, so none does
// here: a client that hangs after such a death hangs on its own. At scale
// 1 every platform deadline (30 s and more) is past the client's own
// give-up (deadline), so a held stream would end in the client's timeout,
// not in the origin's EOF.
func TestOriginDeathPassesThrough(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/dies", func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeEvent(w, "1")
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close() // the process died: the chunked body never ends
		}
	})
	upstream := startUpstream(t, mux)
	for _, p := range []Profile{CloudRun, Vercel, Railway, Heroku, GCPLoadBalancer, AWSAPIGateway} {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			tun := openTunnel(t, upstream, TunnelOptions{Profile: p, Scale: 1})
			resp, err := client(t).Post("http://"+tun.Addr+"/dies", "application/json", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("%d, %q then %v; want 200, event 1, then the broken body (unexpected EOF), not the client's own timeout", resp.StatusCode, body, err)
			}
		})
	}
}
