package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/toxiproxytest"
	"github.com/mcpvcr/mcpvcr/syncbuf"
	"github.com/mcpvcr/mcpvcr/toxics"
)

func TestTunnelList(t *testing.T) {
	var out strings.Builder
	if code := run([]string{"tunnel", "--list", "--timescale", "0.001"}, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, p := range toxics.Profiles() {
		if !strings.Contains(out.String(), "  "+string(p)+"\n") {
			t.Errorf("--list misses profile %s", p)
		}
	}
	for _, tt := range toxics.ToxicTypes() {
		if !strings.Contains(out.String(), "  "+string(tt)+" (") {
			t.Errorf("--list misses toxic %s", tt)
		}
	}
	for _, want := range []string{"field failure 2", "timeout=120 ", "unless_header"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--list misses %q", want)
		}
	}
}

func TestTunnelBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"tunnel"}, 2, "missing --upstream URL|HOST:PORT"},
		{[]string{"tunnel", "--upstream", "127.0.0.1:1", "--profile", "nope"}, 2, `unknown profile "nope"`},
		{[]string{"tunnel", "--upstream", "127.0.0.1:1", "--timescale", "0"}, 2, `time scale "0": want a number > 0`},
		{[]string{"tunnel", "--upstream", "127.0.0.1:1", "--toxic", "latency:oops"}, 2, "is not key=value"},
		{[]string{"tunnel", "--upstream", "127.0.0.1:1", "--toxic", "nosuch"}, 2, `unknown type "nosuch" (known: bandwidth, body_drop,`},
		{[]string{"tunnel", "--upstream", "ftp://127.0.0.1:21"}, 2, "want HOST:PORT or an http(s) URL"},
		{[]string{"tunnel", "--upstream", "localhost"}, 2, `--upstream "localhost": want HOST:PORT or a URL`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var errOut strings.Builder
			if code := run(tt.args, io.Discard, &errOut); code != tt.code || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut.String(), tt.code, tt.want)
			}
		})
	}
}

// startTunnel runs `mcpvcr tunnel args...` until the test ends and returns
// its listen address and API URL, read from what it prints.
func startTunnel(t *testing.T, args ...string) (addr, api string, out *syncbuf.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	old := tunnelContext
	tunnelContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	out = &syncbuf.Buffer{}
	done := make(chan int)
	go func() { done <- run(append([]string{"tunnel"}, args...), out, out) }()
	t.Cleanup(func() {
		cancel()
		<-done
		tunnelContext = old
	})
	re := regexp.MustCompile(`listening on (\S+) .*\n(?s:.*)toxiproxy API: (\S+)`)
	end := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], m[2], out
		}
		select {
		case code := <-done:
			t.Fatalf("tunnel exited %d:\n%s", code, out)
		default:
		}
		if time.Now().After(end) {
			t.Fatalf("tunnel did not start:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond) // polling the output of a starting command
	}
}

// The real toxiproxy-cli (v2.12.0, from the module proxy) lists and changes
// the toxics of a running `mcpvcr tunnel --api`, and the changes act on the
// next connection.
func TestToxiproxyCLIDrivesTunnel(t *testing.T) {
	cli := toxiproxytest.Binary(t, toxiproxytest.CLI)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 3; i++ {
			io.WriteString(w, "data: event\n\n")
			w.(http.Flusher).Flush()
		}
	}))
	defer origin.Close()
	addr, api, out := startTunnel(t, "--upstream", strings.TrimPrefix(origin.URL, "http://"),
		"--listen", "127.0.0.1:0", "--api", "127.0.0.1:0", "--profile", "cloudflare-quick-tunnel", "--timescale", "0.001")
	if !strings.Contains(out.String(), "+ sse_buffer") || !strings.Contains(out.String(), "field failure 2") {
		t.Errorf("tunnel did not print what it applies:\n%s", out)
	}
	toxiproxyCLI := func(args ...string) string {
		t.Helper()
		b, err := exec.Command(cli, append([]string{"--host", api}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("toxiproxy-cli %v: %v\n%s", args, err, b)
		}
		return string(b)
	}
	if got := toxiproxyCLI("list"); !strings.Contains(got, "mcpvcr") || !strings.Contains(got, addr) {
		t.Errorf("toxiproxy-cli list:\n%s\nwant the mcpvcr proxy on %s", got, addr)
	}
	got := toxiproxyCLI("inspect", "mcpvcr")
	for _, want := range []string{"sse_buffer_downstream", "idle_cut_downstream", "timeout=120", "request_log_upstream"} {
		if !strings.Contains(got, want) {
			t.Errorf("toxiproxy-cli inspect misses %q:\n%s", want, got)
		}
	}
	toxiproxyCLI("toxic", "update", "-n", "idle_cut_downstream", "-a", "timeout=5000", "mcpvcr")
	toxiproxyCLI("toxic", "add", "-t", "close_after_events", "-n", "cut1", "-a", "events=1", "mcpvcr")
	got = toxiproxyCLI("inspect", "mcpvcr")
	for _, want := range []string{"timeout=5000", "cut1", "events=1"} {
		if !strings.Contains(got, want) {
			t.Errorf("after update/add, inspect misses %q:\n%s", want, got)
		}
	}

	// The added toxic acts: the stream is cut after one event.
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var events int
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == "data: event" {
			events++
		}
	}
	if events != 1 || sc.Err() == nil {
		t.Errorf("got %d events (err %v), want 1 and a cut", events, sc.Err())
	}

	toxiproxyCLI("toxic", "delete", "-n", "cut1", "mcpvcr")
	if got := toxiproxyCLI("inspect", "mcpvcr"); strings.Contains(got, "cut1") {
		t.Errorf("after delete, inspect still shows cut1:\n%s", got)
	}
}

// waitOutput waits until out contains every want, or fails after 10 s.
func waitOutput(t *testing.T, out *syncbuf.Buffer, want ...string) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for {
		missing := ""
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("tunnel output lacks %q after 10s:\n%s", missing, out)
		}
		time.Sleep(10 * time.Millisecond) // polling the output of a running command
	}
}

// TestTunnelLogsConnectionsAndToxicActions: the tunnel takes its upstream
// as a URL, logs each connection and each thing a toxic does (here the
// Quick Tunnel's sse_buffer holding a GET stream and releasing it when it
// ends), logs a connection it cannot forward with the reason, and with
// --quiet logs neither.
func TestTunnelLogsConnectionsAndToxicActions(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: event\n\n")
	}))
	defer origin.Close()
	get := func(addr string) {
		t.Helper()
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/mcp")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	t.Run("connections and toxic actions", func(t *testing.T) {
		addr, _, out := startTunnel(t, "--upstream", origin.URL+"/mcp", "--listen", "127.0.0.1:0", "--profile", "cloudflare-quick-tunnel", "--timescale", "0.01")
		get(addr)
		waitOutput(t, out, "tunnel: connection from 127.0.0.1:",
			"tunnel: sse_buffer: holding the 200 text/event-stream to GET /mcp",
			"tunnel: sse_buffer: released ", "at the end of the response")
	})
	t.Run("a connection it cannot forward", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := l.Addr().String()
		l.Close()
		addr, _, out := startTunnel(t, "--upstream", closed, "--listen", "127.0.0.1:0")
		if c, err := net.Dial("tcp", addr); err == nil {
			io.Copy(io.Discard, c) // the tunnel closes it
			c.Close()
		}
		waitOutput(t, out, "not forwarded: the upstream refused it: dial tcp "+closed)
	})
	t.Run("quiet", func(t *testing.T) {
		addr, _, out := startTunnel(t, "--upstream", strings.TrimPrefix(origin.URL, "http://"), "--listen", "127.0.0.1:0", "--profile", "cloudflare-quick-tunnel", "--quiet")
		get(addr)
		// The connection line is written before the upstream is dialled,
		// so it would be there by now.
		if strings.Contains(out.String(), "connection from") || strings.Contains(out.String(), "sse_buffer:") {
			t.Errorf("--quiet tunnel logged:\n%s", out)
		}
	})
}
