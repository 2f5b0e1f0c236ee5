package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/syncbuf"
	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/mcpvcr/mcpvcr/toxics/realproxy"
)

// `tunnel --real nginx-default` puts the real nginx between client and
// server: its Server header shows, and it consumes X-Accel-Buffering as
// the profile says.
func TestTunnelReal(t *testing.T) {
	realproxy.Require(t, toxics.NginxDefault)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("X-Accel-Buffering", "no")
		io.WriteString(w, "data: event\n\n")
	}))
	defer origin.Close()

	ctx, cancel := context.WithCancel(context.Background())
	old := tunnelContext
	tunnelContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	out := &syncbuf.Buffer{}
	done := make(chan int)
	go func() {
		done <- run([]string{"tunnel", "--real", "nginx-default", "--upstream", strings.TrimPrefix(origin.URL, "http://"),
			"--listen", "127.0.0.1:0", "--timescale", "0.01"}, out, out)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("tunnel --real exited %d:\n%s", code, out)
		}
		tunnelContext = old
	}()
	re := regexp.MustCompile(`listening on (\S+) `)
	var addr string
	for end := time.Now().Add(15 * time.Second); addr == ""; {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		if time.Now().After(end) {
			t.Fatalf("tunnel --real did not start:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond) // polling the output of a starting command
	}
	resp, err := http.Get("http://" + addr + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Server"), "nginx") || resp.Header.Get("X-Accel-Buffering") != "" || string(body) != "data: event\n\n" {
		t.Errorf("through --real nginx-default: Server %q, X-Accel-Buffering %q, body %q; want nginx, none, the event",
			resp.Header.Get("Server"), resp.Header.Get("X-Accel-Buffering"), body)
	}
	if !strings.Contains(out.String(), "real nginx 1.") {
		t.Errorf("tunnel --real did not say which proxy runs:\n%s", out)
	}
}

func TestTunnelRealBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--real", "cloudflare-quick-tunnel", "--upstream", "127.0.0.1:1"},
		{"--real", "nginx-default", "--upstream", "127.0.0.1:1", "--toxic", "latency:latency=10"},
		{"--real", "nginx-default", "--upstream", "127.0.0.1:1", "--profile", "aws-alb"},
	} {
		var out strings.Builder
		if code := run(append([]string{"tunnel"}, args...), &out, &out); code != exitTrouble {
			t.Errorf("tunnel %v: exit %d, want %d\n%s", args, code, exitTrouble, out.String())
		}
	}
}
