package realproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/h2raw"
)

// The probe suite: each probe sends one request through a front (a real
// proxy or its simulated profile) to a fresh origin and reports what the
// client saw as an observation. The calibration test requires a real proxy
// and its profile to report the same observations.

const (
	// holdWindow is how long an origin waits for the client to see a byte
	// before it goes on anyway: longer than any flush delay we know
	// (HAProxy's 200 ms), short enough that a held stream costs little.
	holdWindow = time.Second
	// fillPace is how long /fill waits for an ack after each event.
	fillPace = 40 * time.Millisecond
)

// observation is what the client saw in one probe: facts must be equal,
// sizes and times within a slack.
type observation struct {
	facts map[string]string
	sizes map[string]int64
	times map[string]time.Duration
}

func newObservation() observation {
	return observation{facts: map[string]string{}, sizes: map[string]int64{}, times: map[string]time.Duration{}}
}

// sizeSlack: the profile sees the origin's chunk framing (HTTP/1.1) where
// nginx, speaking HTTP/1.0 upstream, sees none; a few events either way.
const sizeSlack = 512

// timeSlack is the wider of 120 ms and 30 %: the machine is shared.
func timeSlack(a, b time.Duration) time.Duration {
	return max(120*time.Millisecond, max(a, b)*3/10)
}

// differences lists how got (the profile) differs from want (the real
// proxy), one line each.
func differences(want, got observation) []string {
	var out []string
	for _, k := range keys(want.facts, got.facts) {
		if want.facts[k] != got.facts[k] {
			out = append(out, fmt.Sprintf("%s: real %q, profile %q", k, want.facts[k], got.facts[k]))
		}
	}
	for _, k := range keys(want.sizes, got.sizes) {
		w, g := want.sizes[k], got.sizes[k]
		if d := w - g; d > sizeSlack || d < -sizeSlack {
			out = append(out, fmt.Sprintf("%s: real %d B, profile %d B (slack %d)", k, w, g, sizeSlack))
		}
	}
	for _, k := range keys(want.times, got.times) {
		w, g := want.times[k], got.times[k]
		if d := (w - g).Abs(); d > timeSlack(w, g) {
			out = append(out, fmt.Sprintf("%s: real %v, profile %v (slack %v)", k, w.Round(time.Millisecond), g.Round(time.Millisecond), timeSlack(w, g).Round(time.Millisecond)))
		}
	}
	return out
}

// onlyTimesDiffer reports whether real and sim disagree on some time and
// on nothing else.
func onlyTimesDiffer(real, sim observation) bool {
	untimed := func(o observation) observation { o.times = nil; return o }
	return len(differences(real, sim)) > 0 && len(differences(untimed(real), untimed(sim))) == 0
}

// fastest is o with each time the shorter of o's and other's; facts and
// sizes are other's when they differ, so a changed fact still shows.
func (o observation) fastest(other observation) observation {
	out := other
	out.times = map[string]time.Duration{}
	for _, k := range keys(o.times, other.times) {
		a, aok := o.times[k]
		b, bok := other.times[k]
		switch {
		case aok && bok:
			out.times[k] = min(a, b)
		case bok:
			out.times[k] = b
		}
	}
	return out
}

func (o observation) String() string {
	var parts []string
	for _, k := range keys(o.facts, nil) {
		parts = append(parts, fmt.Sprintf("%s=%s", k, o.facts[k]))
	}
	for _, k := range keys(o.sizes, nil) {
		parts = append(parts, fmt.Sprintf("%s=%dB", k, o.sizes[k]))
	}
	for _, k := range keys(o.times, nil) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, o.times[k].Round(time.Millisecond)))
	}
	return strings.Join(parts, "; ")
}

func keys[V any](a, b map[string]V) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// front puts a proxy (real or simulated) in front of an origin and returns
// the address clients connect to and the client to use.
type front func(t *testing.T, upstream string) (addr string, c *http.Client)

// probe is one request shape. cut probes wait for the proxy's idle
// timeout, so they run at the profile's calibration scale; the others at
// scale 1, where a proxy's fixed delays (HAProxy's 200 ms) are real.
type probe struct {
	name string
	cut  bool
	run  func(t *testing.T, addr string, c *http.Client, o *origin, window time.Duration) observation
}

var probes = []probe{
	{name: "SSE on POST", run: sseProbe("POST", "")},
	{name: "SSE on POST, X-Accel-Buffering: no", run: sseProbe("POST", "no")},
	{name: "SSE on GET", run: sseProbe("GET", "")},
	{name: "SSE on GET, X-Accel-Buffering: no", run: sseProbe("GET", "no")},
	{name: "GET stream release sizes", run: fillProbe},
	{name: "idle cut after headers, bytes held", cut: true, run: idleAfterProbe("")},
	{name: "idle cut after headers, an event seen", cut: true, run: idleAfterProbe("no")},
	{name: "idle cut before headers", cut: true, run: idleBeforeProbe},
	{name: "chunked request body", run: bodyProbe(-1)},
	{name: "Content-Length: 0 request body", run: bodyProbe(0)},
	{name: "header timing", run: headerProbe},
	{name: "bodiless 202", run: acceptedProbe},
	{name: "Connection: keep-alive on the request", run: connectionHeaderProbe},
}

func request(t *testing.T, ctx context.Context, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func withDeadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// sseProbe: does event 1 reach the client before the stream ends, how
// late, and does X-Accel-Buffering reach the client?
func sseProbe(method, accel string) func(*testing.T, string, *http.Client, *origin, time.Duration) observation {
	return func(t *testing.T, addr string, c *http.Client, o *origin, _ time.Duration) observation {
		obs := newObservation()
		url := "http://" + addr + "/sse?accel=" + accel
		var body io.Reader
		if method == "POST" {
			body = strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call"}`)
		}
		resp, err := c.Do(request(t, withDeadline(t, deadline), method, url, body))
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		defer resp.Body.Close()
		obs.facts["status"] = fmt.Sprint(resp.StatusCode)
		obs.facts["X-Accel-Buffering to the client"] = resp.Header.Get("X-Accel-Buffering")
		buf := make([]byte, 4096)
		n, err := io.ReadAtLeast(resp.Body, buf, 1)
		if err != nil {
			t.Fatalf("read first event: %v", err)
		}
		delay := time.Since(time.Unix(0, o.lastWrite.Load()))
		o.ack <- struct{}{}
		rest, _ := io.ReadAll(resp.Body)
		events := strings.Count(string(buf[:n])+string(rest), "\n\n")
		obs.facts["events"] = fmt.Sprint(events)
		flowed := n < 200 // event 2 (after the ack) was not in the first read
		obs.facts["event 1 before the end"] = fmt.Sprint(flowed)
		if flowed {
			obs.times["event 1 delay"] = delay
		}
		return obs
	}
}

// fillProbe: how many body bytes a GET stream holds before its first and
// second release.
func fillProbe(t *testing.T, addr string, c *http.Client, o *origin, _ time.Duration) observation {
	obs := newObservation()
	resp, err := c.Do(request(t, withDeadline(t, deadline), "GET", "http://"+addr+"/fill", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64<<10)
	var seen, first int64
	releases := 0
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			written := o.written.Load()
			switch {
			case releases == 0:
				first, releases = written, 1
				obs.sizes["first release"] = first
				o.ack <- struct{}{}
			case releases == 1 && seen+int64(n) > first:
				obs.sizes["second release"] = written - first
				releases = 2
				o.ack <- struct{}{}
			}
			seen += int64(n)
		}
		if err != nil {
			break
		}
	}
	obs.facts["body intact"] = fmt.Sprint(seen == o.written.Load())
	return obs
}

// readToEnd reads a response body and says how it ended: "clean", "cut"
// (an error: no final chunk, a reset) or "not cut" (the window passed).
func readToEnd(ctx context.Context, body io.Reader) (int, string) {
	b, err := io.ReadAll(body)
	switch {
	case err == nil:
		return len(b), "clean"
	case ctx.Err() != nil:
		return len(b), "not cut"
	}
	return len(b), "cut"
}

// idleAfterProbe: a stream that goes quiet after its head (and one event):
// when is it cut, and what did the client get?
func idleAfterProbe(accel string) func(*testing.T, string, *http.Client, *origin, time.Duration) observation {
	return func(t *testing.T, addr string, c *http.Client, o *origin, window time.Duration) observation {
		obs := newObservation()
		ctx := withDeadline(t, window)
		resp, err := c.Do(request(t, ctx, "GET", "http://"+addr+"/quiet-after?accel="+accel, nil))
		if err != nil {
			obs.facts["response"] = "none: " + errKind(ctx, err)
			return obs
		}
		defer resp.Body.Close()
		obs.facts["status"] = fmt.Sprint(resp.StatusCode)
		n, end := readToEnd(ctx, resp.Body)
		obs.facts["body bytes"] = fmt.Sprint(n)
		obs.facts["end"] = end
		if end != "not cut" {
			obs.times["cut after"] = time.Since(time.Unix(0, o.lastWrite.Load()))
		}
		return obs
	}
}

// idleBeforeProbe: a request the origin never answers.
func idleBeforeProbe(t *testing.T, addr string, c *http.Client, o *origin, window time.Duration) observation {
	obs := newObservation()
	ctx := withDeadline(t, window)
	resp, err := c.Do(request(t, ctx, "POST", "http://"+addr+"/quiet-before", strings.NewReader(`{}`)))
	if err != nil {
		obs.facts["response"] = "none: " + errKind(ctx, err)
		if ctx.Err() == nil {
			obs.times["cut after"] = time.Since(time.Unix(0, o.lastWrite.Load()))
		}
		return obs
	}
	defer resp.Body.Close()
	obs.times["cut after"] = time.Since(time.Unix(0, o.lastWrite.Load()))
	obs.facts["status"] = fmt.Sprint(resp.StatusCode)
	ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	obs.facts["Content-Type"] = ct
	_, end := readToEnd(ctx, resp.Body)
	obs.facts["end"] = end
	return obs
}

func errKind(ctx context.Context, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return "not cut"
	}
	return "closed"
}

// bodyProbe: does a POST body reach the origin, and in what framing? size
// -1 sends 300 bytes chunked.
func bodyProbe(size int) func(*testing.T, string, *http.Client, *origin, time.Duration) observation {
	return func(t *testing.T, addr string, c *http.Client, o *origin, _ time.Duration) observation {
		obs := newObservation()
		want := strings.Repeat("b", max(size, 300))
		var req *http.Request
		if size < 0 {
			// An io.Reader of unknown length is sent chunked.
			req = request(t, withDeadline(t, deadline), "POST", "http://"+addr+"/echo", io.MultiReader(strings.NewReader(want)))
		} else {
			want = ""
			req = request(t, withDeadline(t, deadline), "POST", "http://"+addr+"/echo", http.NoBody)
			req.ContentLength = 0
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		obs.facts["status"] = fmt.Sprint(resp.StatusCode)
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.seen == nil {
			obs.facts["origin"] = "no request"
			return obs
		}
		framing := "none"
		switch {
		case len(o.seen.TransferEncoding) > 0:
			framing = "Transfer-Encoding: " + strings.Join(o.seen.TransferEncoding, ",")
		case o.seen.Header.Get("Content-Length") != "" || o.seen.ContentLength > 0:
			framing = fmt.Sprintf("Content-Length: %d", o.seen.ContentLength)
		}
		obs.facts["origin framing"] = framing
		obs.facts["body intact"] = fmt.Sprint(o.body == want)
		return obs
	}
}

// headerProbe: does a head flushed before any body byte reach the client
// before that byte?
func headerProbe(t *testing.T, addr string, c *http.Client, o *origin, _ time.Duration) observation {
	obs := newObservation()
	flushed := time.Now()
	resp, err := c.Do(request(t, withDeadline(t, deadline), "GET", "http://"+addr+"/late-body", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	written := o.written.Load()
	obs.facts["headers before the first body byte"] = fmt.Sprint(written == 0)
	if written == 0 {
		obs.times["headers after"] = time.Since(flushed)
	}
	o.ack <- struct{}{}
	io.Copy(io.Discard, resp.Body)
	return obs
}

// acceptedProbe: a bodiless 202, as for notifications/initialized.
func acceptedProbe(t *testing.T, addr string, c *http.Client, o *origin, _ time.Duration) observation {
	obs := newObservation()
	resp, err := c.Do(request(t, withDeadline(t, deadline), "POST", "http://"+addr+"/accepted", strings.NewReader(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	obs.facts["status"] = fmt.Sprint(resp.StatusCode)
	obs.facts["body bytes"] = fmt.Sprint(len(b))
	return obs
}

// connectionHeaderProbe: a request carrying `Connection: keep-alive`, as
// Node's fetch sends on HTTP/1.1 and Ruby's httpx sent on HTTP/2 (field
// failure 32). On HTTP/1.1 the field is legitimate; on HTTP/2 RFC 9113
// makes the request malformed. What does the client get, and does the
// origin see the request? Over HTTP/2 the request goes frame by frame
// (h2raw): Go's HTTP/2 client would drop the field.
func connectionHeaderProbe(t *testing.T, addr string, c *http.Client, o *origin, _ time.Duration) observation {
	obs := newObservation()
	req := request(t, withDeadline(t, deadline), "POST", "http://"+addr+"/echo", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Connection", "keep-alive")
	rt := c.Transport
	if speaksH2C(c) {
		rt = &h2raw.Transport{}
	}
	resp, err := rt.RoundTrip(req)
	var reset *h2raw.ResetError
	switch {
	case errors.As(err, &reset):
		obs.facts["response"] = reset.Frame + " " + reset.Code.String()
	case err != nil:
		t.Fatal(err)
	default:
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		obs.facts["status"] = fmt.Sprint(resp.StatusCode)
		if resp.StatusCode != http.StatusOK {
			obs.facts["body"] = strings.TrimSpace(string(b))
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	obs.facts["origin saw it"] = fmt.Sprint(o.seen != nil)
	return obs
}

// speaksH2C reports whether c is newClient's HTTP/2 (h2c) client.
func speaksH2C(c *http.Client) bool {
	tr, ok := c.Transport.(*http.Transport)
	return ok && tr.Protocols != nil && tr.Protocols.UnencryptedHTTP2()
}

// A second measurement only ever lowers a time; a fact it changes shows.
func TestObservationFastest(t *testing.T) {
	a, b := newObservation(), newObservation()
	a.facts["status"], b.facts["status"] = "200", "200"
	a.times["event 1 delay"], b.times["event 1 delay"] = 384*time.Millisecond, 250*time.Millisecond
	if !onlyTimesDiffer(a, b) {
		t.Fatalf("onlyTimesDiffer(%v, %v) = false", a, b)
	}
	if got := a.fastest(b).times["event 1 delay"]; got != 250*time.Millisecond {
		t.Errorf("fastest delay = %v, want 250ms", got)
	}
	b.facts["status"] = "502"
	if onlyTimesDiffer(a, b) {
		t.Errorf("onlyTimesDiffer with a different status = true")
	}
	if got := a.fastest(b).facts["status"]; got != "502" {
		t.Errorf("fastest status = %q, want the later 502", got)
	}
}
