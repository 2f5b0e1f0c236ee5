package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// The load run's code path, small: 20 sessions, each doing OAuth, initialize,
// a listen stream and 20 tool calls through a tunnel with latency and
// jitter both ways. `make load` runs the same with 500 sessions.
func TestLoadThroughLatencyTunnel(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	u, _ := url.Parse(ts.URL)
	var extra []toxics.Spec
	for _, v := range []string{"latency:latency=2ms,jitter=1ms", "latency:name=latency_up,stream=upstream,latency=2ms,jitter=1ms"} {
		spec, err := toxics.ParseSpec(v)
		if err != nil {
			t.Fatal(err)
		}
		extra = append(extra, spec)
	}
	tun, err := toxics.OpenTunnel(toxics.TunnelOptions{Upstream: u.Host, Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tun.Close() })

	rep, err := Run(context.Background(), Options{URL: "http://" + tun.Addr, Sessions: 20, Calls: 20, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	rep.WriteText(&text)
	t.Logf("load report:\n%s", text.String())
	if !rep.OK() {
		t.Fatalf("run not clean:\n%s", text.String())
	}
	if want := int64(20 * 4 * 3); rep.EventsSent != want {
		t.Errorf("events sent = %d, want %d (4 notify calls of 3 messages per session)", rep.EventsSent, want)
	}
	counts := map[Step]int{}
	for _, s := range rep.Steps {
		counts[s.Step] = s.Count
	}
	for step, want := range map[Step]int{StepRegister: 20, StepToken: 20, StepInitialize: 20, StepFirstCall: 20, StepEcho: 20 * 15, StepNotify: 20 * 4, StepEvents: 20 * 4, StepClose: 20} {
		if counts[step] != want {
			t.Errorf("%s measured %d times, want %d", step, counts[step], want)
		}
	}
	if counts[StepListen] < 20 {
		t.Errorf("listen streams opened %d times, want >= 20", counts[StepListen])
	}
}

func TestPercentile(t *testing.T) {
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name string
		ds   []time.Duration
		p    int
		want time.Duration
	}{
		{"p50 of 100", ds, 50, 50 * time.Millisecond},
		{"p99 of 100", ds, 99, 99 * time.Millisecond},
		{"p99 of 1", ds[:1], 99, time.Millisecond},
		{"p50 of 3", ds[:3], 50, 2 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.ds, tt.p); got != tt.want {
				t.Errorf("percentile = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadRefusesBadURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8081", "://x"} {
		t.Run(u, func(t *testing.T) {
			if _, err := Run(context.Background(), Options{URL: u}); err == nil || !strings.Contains(err.Error(), "want the server's base URL") {
				t.Errorf("Run(%q) error = %v, want one asking for the base URL", u, err)
			}
		})
	}
}

// A 5xx answer is counted and its body kept, so a report says why.
func TestLoadReportsServerErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":"temporarily_unavailable","error_description":"the token store (Redis) is unavailable; retry later"}`)
	}))
	t.Cleanup(srv.Close)
	rep, err := Run(context.Background(), Options{URL: srv.URL, Sessions: 2, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Errors != 2 || rep.Completed != 0 {
		t.Errorf("errors = %d, completed = %d, want 2 and 0", rep.Errors, rep.Completed)
	}
	// Each register is sent 1 + maxRetries times.
	if rep.ServerErrors != 2*(1+maxRetries) || rep.Retries != 2*maxRetries || !strings.Contains(rep.ServerErrorSamples[0], "POST /register = 503 Service Unavailable: {\"error\":\"temporarily_unavailable\"") {
		t.Errorf("server errors = %d, retries = %d, samples %q; want %d, %d and the 503 with its body", rep.ServerErrors, rep.Retries, rep.ServerErrorSamples, 2*(1+maxRetries), 2*maxRetries)
	}
	if !strings.Contains(rep.ErrorSamples[0], "temporarily_unavailable") {
		t.Errorf("error sample %q does not carry the body", rep.ErrorSamples[0])
	}
}

// A 503 "retry later" is retried, counted, and not an error when a retry
// succeeds: the server asks for exactly that when its token store is slow.
func TestLoadRetriesServiceUnavailable(t *testing.T) {
	ts := servertest.Start(t, server.Config{AutoApprove: true})
	target, _ := url.Parse(ts.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var refused atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" && refused.Add(1) <= 2 {
			http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	rep, err := Run(context.Background(), Options{URL: front.URL, Sessions: 2, Calls: 5, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	rep.WriteText(&text)
	if !rep.OK() || rep.Retries != 2 || rep.ServerErrors != 2 {
		t.Errorf("retries = %d, server errors = %d, want 2 and 2 and a clean run:\n%s", rep.Retries, rep.ServerErrors, text.String())
	}
}
