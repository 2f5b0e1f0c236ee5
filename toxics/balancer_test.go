package toxics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/timescale"
	"go.uber.org/goleak"
)

// keepAliveOrigin is a keep-alive HTTP/1.1 server that counts the requests it read,
// by method: what its log would show.
type keepAliveOrigin struct {
	addr string
	mu   sync.Mutex
	seen map[string]int
}

// startKeepAliveOrigin starts an origin that closes a connection idle for
// keepAlive (already scaled; negative: never).
func startKeepAliveOrigin(t *testing.T, keepAlive time.Duration) *keepAliveOrigin {
	t.Helper()
	o := &keepAliveOrigin{seen: map[string]int{}}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" { // answers when the client gives up
			<-r.Context().Done()
			return
		}
		io.Copy(io.Discard, r.Body)
		o.mu.Lock()
		o.seen[r.Method]++
		o.mu.Unlock()
		io.WriteString(w, "from the origin")
	}))
	srv.Config.IdleTimeout = keepAlive
	srv.Start()
	t.Cleanup(srv.Close)
	o.addr = strings.TrimPrefix(srv.URL, "http://")
	return o
}

func (o *keepAliveOrigin) requests(method string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen[method]
}

// balancerLines collects a balancer's log lines, so a test can wait for
// an event instead of sleeping.
type balancerLines struct {
	mu    sync.Mutex
	lines []string
	added chan struct{}
}

func newBalancerLines() *balancerLines { return &balancerLines{added: make(chan struct{}, 1)} }

func (l *balancerLines) log(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
	select {
	case l.added <- struct{}{}:
	default:
	}
}

// waitFor waits until a line contains text, and fails the test at the
// deadline.
func (l *balancerLines) waitFor(t *testing.T, text string) {
	t.Helper()
	timeout := time.After(deadline)
	for {
		if l.has(text) {
			return
		}
		select {
		case <-l.added:
		case <-timeout:
			t.Fatalf("no balancer line with %q within %s; lines:\n%s", text, deadline, l.String())
		}
	}
}

func (l *balancerLines) has(text string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		if strings.Contains(s, text) {
			return true
		}
	}
	return false
}

func (l *balancerLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return "  " + strings.Join(l.lines, "\n  ")
}

// sendOnce sends one request on a new client connection (as the scenarios'
// clients do) and returns the status and the body.
func sendOnce(t *testing.T, method, base string) (int, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`)
	}
	req, err := http.NewRequestWithContext(ctx(t), method, base+"/mcp", body)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s body: %v", method, err)
	}
	return resp.StatusCode, string(b)
}

func startBalancer(t *testing.T, opts BalancerOptions) *Balancer {
	t.Helper()
	b, err := StartBalancer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestBalancerKeepAliveRace: field failure 28 at scale 0.01. The origin's
// keep-alive is Node's 5 s (50 ms), the balancer's idle timeout ALB's
// 60 s (600 ms). Once the origin has closed a pooled connection, a POST
// sent on it gets 502 with no body and never reaches the origin; a GET is
// sent again on a new connection and succeeds.
func TestBalancerKeepAliveRace(t *testing.T) {
	const scale timescale.Scale = 0.01
	o := startKeepAliveOrigin(t, scale.Scale(5*time.Second))
	lines := newBalancerLines()
	b := startBalancer(t, BalancerOptions{Upstream: o.addr, IdleTimeout: 60 * time.Second, Scale: scale, Log: lines.log})
	base := "http://" + b.Addr

	if status, body := sendOnce(t, http.MethodPost, base); status != 200 || body != "from the origin" {
		t.Fatalf("first POST = %d %q, want 200 from the origin", status, body)
	}
	lines.waitFor(t, "the origin closed idle connection #1")
	status, body := sendOnce(t, http.MethodPost, base)
	if status != http.StatusBadGateway || body != "" {
		t.Fatalf("POST on the closed connection = %d %q, want 502 with no body\n%s", status, body, lines)
	}
	if got := o.requests(http.MethodPost); got != 1 {
		t.Fatalf("origin read %d POSTs, want 1: the lost one must never reach it", got)
	}
	if !lines.has("POST /mcp: 502 Bad Gateway") {
		t.Fatalf("no 502 line:\n%s", lines)
	}

	// The 502 cost the pool its connection: the next POST dials #2,
	// which the origin closes in turn.
	if status, _ := sendOnce(t, http.MethodPost, base); status != 200 {
		t.Fatalf("POST on a new connection = %d, want 200\n%s", status, lines)
	}
	lines.waitFor(t, "the origin closed idle connection #2")
	if status, body := sendOnce(t, http.MethodGet, base); status != 200 || body != "from the origin" {
		t.Fatalf("GET on the closed connection = %d %q, want 200 from the origin (sent again)\n%s", status, body, lines)
	}
	for _, want := range []string{"GET /mcp on connection #2 (reused", "GET /mcp on connection #3 (new)"} {
		if !lines.has(want) {
			t.Fatalf("no line %q: the GET should be retried on a new connection\n%s", want, lines)
		}
	}
	t.Logf("balancer:\n%s", lines)
	if got := o.requests(http.MethodGet); got != 1 {
		t.Fatalf("origin read %d GETs, want 1", got)
	}
}

// TestBalancerClosesFirst: with an origin that keeps idle connections
// (the fix: a keep-alive longer than the balancer's), the balancer closes
// its pooled connection at its own idle timeout and the next POST goes on
// a new one.
func TestBalancerClosesFirst(t *testing.T) {
	const scale timescale.Scale = 0.01
	o := startKeepAliveOrigin(t, -1)
	lines := newBalancerLines()
	b := startBalancer(t, BalancerOptions{Upstream: o.addr, IdleTimeout: 60 * time.Second, Scale: scale, Log: lines.log})
	if got, want := b.transport.IdleConnTimeout, 600*time.Millisecond; got != want {
		t.Fatalf("pool idle timeout = %s, want %s (60 s scaled)", got, want)
	}
	base := "http://" + b.Addr

	if status, _ := sendOnce(t, http.MethodPost, base); status != 200 {
		t.Fatalf("first POST = %d, want 200", status)
	}
	lines.waitFor(t, "the balancer closed idle connection #1")
	if status, _ := sendOnce(t, http.MethodPost, base); status != 200 {
		t.Fatalf("POST after the balancer's idle timeout = %d, want 200\n%s", status, lines)
	}
	if !lines.has("POST /mcp on connection #2 (new)") {
		t.Fatalf("the second POST should dial a new connection:\n%s", lines)
	}
	if lines.has("the origin closed") {
		t.Fatalf("the origin closed a connection it keeps:\n%s", lines)
	}
}

// TestBalancerReusesLiveConnection: a connection the origin still keeps
// is reused, without a new dial.
func TestBalancerReusesLiveConnection(t *testing.T) {
	o := startKeepAliveOrigin(t, -1)
	lines := newBalancerLines()
	b := startBalancer(t, BalancerOptions{Upstream: o.addr, IdleTimeout: 60 * time.Second, Log: lines.log})
	base := "http://" + b.Addr
	for i := range 3 {
		if status, _ := sendOnce(t, http.MethodPost, base); status != 200 {
			t.Fatalf("POST %d = %d, want 200", i, status)
		}
	}
	if lines.has("connection #2") || !lines.has("POST /mcp on connection #1 (reused") {
		t.Fatalf("the three POSTs should share connection #1:\n%s", lines)
	}
}

// TestTunnelBalancer: a tunnel puts the balancer behind its toxics when
// TunnelOptions.BalancerIdle (or its profile) asks for one; negative
// takes a profile's away.
func TestTunnelBalancer(t *testing.T) {
	o := startKeepAliveOrigin(t, timescale.Scale(0.01).Scale(5*time.Second))
	lines := newBalancerLines()
	tun := openTunnel(t, o.addr, TunnelOptions{BalancerIdle: 60 * time.Second, Scale: 0.01, ConnLog: lines.log})
	if tun.Balancer == nil {
		t.Fatal("no balancer")
	}
	base := "http://" + tun.Addr
	if status, _ := sendOnce(t, http.MethodPost, base); status != 200 {
		t.Fatalf("first POST = %d, want 200", status)
	}
	lines.waitFor(t, "balancer: the origin closed idle connection #1")
	if status, _ := sendOnce(t, http.MethodPost, base); status != http.StatusBadGateway {
		t.Fatalf("POST through the tunnel on the closed connection = %d, want 502\n%s", status, lines)
	}

	if off := openTunnel(t, o.addr, TunnelOptions{BalancerIdle: -1}); off.Balancer != nil {
		t.Fatal("BalancerIdle -1: want no balancer")
	}
	if _, err := StartBalancer(BalancerOptions{Upstream: o.addr}); err == nil {
		t.Fatal("StartBalancer with no idle timeout: want an error")
	}
}

// TestBalancerNoGoroutineLeak: Close ends every pooled connection, one
// whose origin's close is held back included, and a request in flight.
func TestBalancerNoGoroutineLeak(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Run("traffic", func(t *testing.T) {
		o := startKeepAliveOrigin(t, timescale.Scale(0.01).Scale(5*time.Second))
		lines := newBalancerLines()
		b, err := StartBalancer(BalancerOptions{Upstream: o.addr, IdleTimeout: 60 * time.Second, Scale: 0.01, Log: lines.log})
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + b.Addr
		inFlight := make(chan struct{})
		go func() {
			defer close(inFlight)
			tr := &http.Transport{DisableKeepAlives: true}
			if resp, err := (&http.Client{Transport: tr, Timeout: deadline}).Get(base + "/slow"); err == nil {
				resp.Body.Close()
			}
		}()
		lines.waitFor(t, "GET /slow on connection #1") // under way
		if status, _ := sendOnce(t, http.MethodPost, base); status != 200 {
			t.Fatalf("POST = %d, want 200", status)
		}
		lines.waitFor(t, "the origin closed idle connection #2") // now held
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		<-inFlight
	})
}
