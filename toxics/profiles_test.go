package toxics

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/h2raw"
	"github.com/mcpvcr/mcpvcr/timescale"
)

// origin is a real net/http server with one path per behaviour a profile
// is checked against. Requests through it are sequential in each test.
type origin struct {
	addr  string
	ack   chan struct{} // /flow goes on once the client saw event 1
	ended stamp         // /held finished its stream
	body  stamp         // /late-body wrote its first body byte
	seen  chan seen     // what /echo received
}

func startOrigin(t *testing.T) *origin {
	t.Helper()
	o := &origin{ack: make(chan struct{}, 1), ended: newStamp(), body: newStamp(), seen: make(chan seen, 4)}
	wait := func(c <-chan struct{}, r *http.Request) {
		select {
		case <-c:
		case <-r.Context().Done():
		case <-time.After(deadline):
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/flow", func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		w.Header().Set("X-Accel-Buffering", r.URL.Query().Get("accel"))
		sseHeaders(w)
		writeEvent(w, "1")
		wait(o.ack, r)
		writeEvent(w, "2")
	})
	mux.HandleFunc("/held", func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeEvent(w, "1")
		time.Sleep(20 * time.Millisecond) // pacing, not an assertion
		writeEvent(w, "2")
		o.ended.mark()
	})
	mux.HandleFunc("/pinged", func(w http.ResponseWriter, r *http.Request) {
		// A quiet listen stream kept alive by the server's keepalive (15 s,
		// scaled like the tunnel) for 180 s, then one event.
		var scale timescale.Scale
		fmt.Sscan(r.URL.Query().Get("scale"), &scale)
		sseHeaders(w)
		for i := 0; i < 12; i++ {
			time.Sleep(scale.Scale(15 * time.Second)) // the server's keepalive pace
			io.WriteString(w, ": keepalive\n\n")
			w.(http.Flusher).Flush()
		}
		writeEvent(w, "done")
		o.ended.mark()
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w) // events until the client goes away
		for i := 0; ; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(deadline):
				return
			default:
			}
			writeEvent(w, fmt.Sprint(i))
		}
	})
	mux.HandleFunc("/late-body", func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		time.Sleep(20 * time.Millisecond) // pacing, not an assertion
		o.body.mark()
		io.WriteString(w, ": ping\n\n")
	})
	mux.HandleFunc("/quiet", func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		wait(nil, r)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		o.seen <- seen{method: r.Method, contentLength: r.Header.Get("Content-Length"),
			chunked: len(r.TransferEncoding) > 0, body: string(b), err: err}
		w.Write(b)
	})
	o.addr = startUpstream(t, mux)
	return o
}

// flows checks a stream reaches the client while it is still open.
func (o *origin) flows(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events, _ := readEvents(resp.Body)
	next(t, events)
	o.ack <- struct{}{} // only a client that got event 1 lets the stream go on
	if ev := next(t, events); ev.text != "data: 2\n" {
		t.Errorf("event 2 = %q", ev.text)
	}
}

// held checks a GET stream reaches the client only after it ended.
func (o *origin) held(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events, _ := readEvents(resp.Body)
	first := next(t, events)
	if end := o.ended.wait(t, "stream end"); first.at.Before(end) {
		t.Errorf("GET stream: event 1 arrived before the stream ended; want it held")
	}
}

// answers checks a request the origin never answers gets status after at
// least min.
func answers(t *testing.T, c *http.Client, url string, status int, min time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := c.Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if resp.StatusCode != status || elapsed < min {
		t.Errorf("quiet request: %d after %v, want %d after >= %v", resp.StatusCode, elapsed, status, min)
	}
	t.Logf("quiet request: %d after %v", resp.StatusCode, elapsed)
}

// headersHeld checks response headers wait for the first body byte.
func (o *origin) headersHeld(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if body := o.body.wait(t, "first body byte"); at.Before(body) {
		t.Errorf("headers (%d) arrived before the first body byte was written; want them held", resp.StatusCode)
	}
}

// post sends body (chunked when unsized) to /echo and returns what the
// origin saw.
func (o *origin) post(t *testing.T, c *http.Client, url string, body string, sized bool) seen {
	t.Helper()
	var rd io.Reader = strings.NewReader(body)
	if !sized {
		rd = io.MultiReader(rd)
	}
	resp, err := c.Post(url, "application/json", rd)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	select {
	case s := <-o.seen:
		return s
	case <-time.After(deadline):
		t.Fatal("origin saw no request")
	}
	return seen{}
}

func TestProfiles(t *testing.T) {
	const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize"}`
	const scale = 0.001 // 100 s -> 100 ms
	tests := []struct {
		profile Profile
		scale   timescale.Scale
		check   func(t *testing.T, o *origin, c *http.Client, base string)
	}{
		{Clean, 1, func(t *testing.T, o *origin, c *http.Client, base string) {
			big := make([]byte, 1<<20)
			rand.Read(big)
			resp, err := c.Post(base+"/echo", "application/octet-stream", bytes.NewReader(big))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			<-o.seen
			if !bytes.Equal(got, big) {
				t.Errorf("1 MiB echo: got %d bytes back, not the same", len(got))
			}
			o.flows(t, c, base+"/flow")
		}},
		{CloudflareQuickTunnel, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.flows(t, c, base+"/flow") // POST streams flow
			o.held(t, c, base+"/held")  // the GET stream is held to its end
			answers(t, c, base+"/quiet", 524, 100*time.Millisecond)
			// Keepalive spares a quiet GET stream from the cut, yet the
			// client sees nothing of it until it ends (field failure 2 + 11).
			resp, err := c.Get(base + "/pinged?scale=0.001")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			at, end := time.Now(), o.ended.wait(t, "pinged stream end")
			if resp.StatusCode != 200 || strings.Count(string(b), ": keepalive") != 12 || !strings.HasSuffix(string(b), "data: done\n\n") {
				t.Errorf("kept-alive GET stream: %d %q, want 200, 12 keepalives and done", resp.StatusCode, b)
			}
			if at.Before(end) {
				t.Errorf("kept-alive GET stream ended for the client before the server ended it")
			}
		}},
		{CloudflareNamedTunnel, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			s := o.post(t, c, base+"/echo", initialize, true)
			if !s.chunked || s.contentLength != "" || s.body != initialize {
				t.Errorf("origin saw %+v, want the body chunked without Content-Length", s)
			}
			o.headersHeld(t, c, base+"/late-body")
			answers(t, c, base+"/quiet", 524, 100*time.Millisecond)
		}},
		{CloudflaredQUIC, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			if s := o.post(t, c, base+"/echo", initialize, false); s.body != "" {
				t.Errorf("unsized POST body reached the origin: %q; want it dropped", s.body)
			}
			if s := o.post(t, c, base+"/echo", initialize, true); s.body != initialize {
				t.Errorf("sized POST body = %q, want it intact", s.body)
			}
			answers(t, c, base+"/quiet", 524, 100*time.Millisecond)
		}},
		{NginxDefault, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.held(t, c, base+"/held")           // small stream: held to its end
			o.flows(t, c, base+"/flow?accel=no") // X-Accel-Buffering: no
			answers(t, c, base+"/quiet", 504, 60*time.Millisecond)
			reframed(t, o, c, base)
		}},
		{NginxHTTP2, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.held(t, c, base+"/held")
			o.flows(t, c, base+"/flow?accel=no")
			answers(t, c, base+"/quiet", 504, 60*time.Millisecond)
		}},
		// At 0.01: the 50 s timeout (500 ms) outlasts the unscaled 200 ms
		// flush delay, as at scale 1.
		{HAProxyDefault, 0.01, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.flows(t, c, base+"/flow") // late (200 ms), but before the end
			answers(t, c, base+"/quiet", 504, 500*time.Millisecond)
			if s := o.post(t, c, base+"/echo", initialize, false); !s.chunked || s.body != initialize {
				t.Errorf("origin saw %+v, want the chunked body passed on chunked", s)
			}
		}},
		{ApacheDefault, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.flows(t, c, base+"/flow")
			answers(t, c, base+"/quiet", 502, 60*time.Millisecond)
			reframed(t, o, c, base)
		}},
		{ApacheDebian, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			answers(t, c, base+"/quiet", 502, 300*time.Millisecond)
		}},
		{CaddyDefault, 1, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.flows(t, c, base+"/flow")
			if s := o.post(t, c, base+"/echo", initialize, false); !s.chunked || s.body != initialize {
				t.Errorf("origin saw %+v, want the chunked body passed on chunked", s)
			}
		}},
		{CaddyHTTP2, 1, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.flows(t, c, base+"/flow")            // HTTP/1.1, as caddy-default
			o.flows(t, h2cClient(t), base+"/flow") // HTTP/2 flows too
			connectionHeader(t, o, base, nil, 200)
			connectionHeader(t, o, base, &h2raw.Transport{}, 400)
		}},
		// At 0.005: ALB's 60 s (300 ms) must outlast /late-body's 20 ms
		// and the balancer's extra hop on a loaded machine (at 0.001 a
		// 504 came first once, under load average 11).
		{AWSALB, 0.005, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.headersHeld(t, c, base+"/late-body")
			o.flows(t, c, base+"/flow")
			answers(t, c, base+"/quiet", 504, 300*time.Millisecond)
		}},
		{Vercel, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			cutDespiteBytes(t, c, base, 300*time.Millisecond)
			answers(t, c, base+"/quiet", 504, 300*time.Millisecond)
		}},
		{CloudRun, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			cutDespiteBytes(t, c, base, 300*time.Millisecond)
			answers(t, c, base+"/quiet", 504, 300*time.Millisecond)
		}},
		{AWSAPIGateway, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.held(t, c, base+"/held")
			answers(t, c, base+"/quiet", 504, 30*time.Millisecond)
		}},
		{GCPLoadBalancer, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			cutDespiteBytes(t, c, base, 30*time.Millisecond)
			answers(t, c, base+"/quiet", 502, 30*time.Millisecond)
		}},
		// At 0.01 (H12 300 ms, H15 550 ms): at 0.001 the two cuts are 25 ms
		// apart, less than a loaded machine's timer lag.
		{Heroku, 0.01, func(t *testing.T, o *origin, c *http.Client, base string) {
			answers(t, c, base+"/quiet", 503, 300*time.Millisecond)
			keptAlive(t, o, c, base) // 15 ms keepalives beat H15's 550 ms; H12 is over
		}},
		{Railway, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			keptAlive(t, o, c, base)
		}},
		{CorporateWAF, scale, func(t *testing.T, o *origin, c *http.Client, base string) {
			o.held(t, c, base+"/held")
			reframed(t, o, c, base)
		}},
		{NgrokFree, 1, func(t *testing.T, o *origin, c *http.Client, base string) {
			if status, ct, _ := answer(t, c, base+"/echo", nil); status != 200 || !strings.HasPrefix(ct, "text/html") {
				t.Errorf("without the header: %d %s, want ngrok's HTML 200", status, ct)
			}
			<-o.seen // the server answered; the edge replaced it
			if status, ct, _ := answer(t, c, base+"/echo", http.Header{"Ngrok-Skip-Browser-Warning": {"1"}}); status != 200 || strings.HasPrefix(ct, "text/html") {
				t.Errorf("with ngrok-skip-browser-warning: %d %s, want the server's answer", status, ct)
			}
			<-o.seen
		}},
		{CloudflareAccess, 1, func(t *testing.T, o *origin, c *http.Client, base string) {
			status, _, loc := answer(t, c, base+"/echo", nil)
			<-o.seen
			if status != 302 || !strings.HasPrefix(loc, "/cdn-cgi/access/login") {
				t.Errorf("without a service token: %d Location %q, want a 302 to the login page", status, loc)
			}
			if status, ct, _ := answer(t, c, base+loc, nil); status != 200 || !strings.HasPrefix(ct, "text/html") {
				t.Errorf("the login page: %d %s, want HTML 200", status, ct)
			}
			if status, _, _ := answer(t, c, base+"/echo", http.Header{"Cf-Access-Client-Id": {"id"}}); status != 200 {
				t.Errorf("with CF-Access-Client-Id: %d, want the server's 200", status)
			}
			<-o.seen
		}},
		{FlakyMobile, 0.1, func(t *testing.T, o *origin, c *http.Client, base string) {
			// At scale 0.1: 30±20 ms down, 10±5 ms up, so a fresh
			// connection's exchange takes >= 15 ms; 256 KB/s makes 64 KiB
			// take >= 200 ms; one connection in ten is reset after 500 ms.
			payload := strings.Repeat("x", 64<<10)
			ok, reset := 0, 0
			for i := 0; i < 8; i++ {
				tr := &http.Transport{DisableKeepAlives: true}
				start := time.Now()
				resp, err := (&http.Client{Transport: tr, Timeout: deadline}).Post(base+"/echo", "text/plain", strings.NewReader(payload))
				var got []byte
				if err == nil {
					got, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				elapsed := time.Since(start)
				tr.CloseIdleConnections()
				select {
				case <-o.seen:
				default:
				}
				if err != nil {
					if !isConnectionLoss(err) {
						t.Errorf("request %d: %v, want success or a reset", i, err)
					}
					reset++
					continue
				}
				ok++
				if string(got) != payload || elapsed < 200*time.Millisecond {
					t.Errorf("request %d: %d bytes after %v, want 64 KiB after >= 200ms", i, len(got), elapsed)
				}
				t.Logf("request %d: 64 KiB round trip in %v", i, elapsed)
			}
			if ok == 0 {
				t.Errorf("no request got through (%d reset)", reset)
			}
			t.Logf("%d ok, %d reset", ok, reset)
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.profile), func(t *testing.T) {
			o := startOrigin(t)
			tun := openTunnel(t, o.addr, TunnelOptions{Profile: tt.profile, Scale: tt.scale})
			tt.check(t, o, client(t), "http://"+tun.Addr)
		})
	}
	if len(tests) != len(Profiles()) {
		t.Errorf("tested %d profiles, the catalog has %d", len(tests), len(Profiles()))
	}
}

// h2cClient is Go's HTTP/2 client without TLS (prior knowledge).
func h2cClient(t *testing.T) *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &p}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: deadline}
}

// connectionHeader POSTs to /echo with `Connection: keep-alive` through rt
// (nil: HTTP/1.1) and checks the status; a 400 must come from the front:
// the origin never saw the request (field failure 32).
func connectionHeader(t *testing.T, o *origin, base string, rt http.RoundTripper, status int) {
	t.Helper()
	if rt == nil {
		rt = client(t).Transport
	}
	req, _ := http.NewRequestWithContext(ctx(t), "POST", base+"/echo", strings.NewReader("{}"))
	req.Header.Set("Connection", "keep-alive")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Errorf("Connection: keep-alive: %d %q, want %d", resp.StatusCode, b, status)
	}
	select {
	case s := <-o.seen:
		if status == 400 {
			t.Errorf("origin saw %+v, want no request", s)
		}
	default: // a forwarded request is seen before its answer comes back
		if status != 400 {
			t.Error("origin saw no request")
		}
	}
}

// reframed checks a chunked request body reaches the origin whole, with a
// Content-Length, and that X-Accel-Buffering never reaches the client.
func reframed(t *testing.T, o *origin, c *http.Client, base string) {
	t.Helper()
	const body = `{"jsonrpc":"2.0","id":1,"method":"initialize"}`
	if s := o.post(t, c, base+"/echo", body, false); s.chunked || s.contentLength != fmt.Sprint(len(body)) || s.body != body {
		t.Errorf("origin saw %+v, want the body with Content-Length: %d", s, len(body))
	}
}

// cutDespiteBytes checks a stream that never stops sending is cut at a
// deadline no earlier than min.
func cutDespiteBytes(t *testing.T, c *http.Client, base string, min time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := c.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if elapsed := time.Since(start); err == nil || elapsed < min {
		t.Errorf("endless stream: ended with %v after %v, want a cut after >= %v", err, elapsed, min)
	}
}

// keptAlive checks a quiet stream with keepalive comments (15 s scaled by
// 0.001) lives to its end.
func keptAlive(t *testing.T, o *origin, c *http.Client, base string) {
	t.Helper()
	resp, err := c.Get(base + "/pinged?scale=0.001")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	o.ended.wait(t, "pinged stream end")
	if err != nil || !strings.HasSuffix(string(b), "data: done\n\n") {
		t.Errorf("kept-alive stream: %v, %q; want it whole", err, b)
	}
}

// answer POSTs {} to url with header and returns the status, the
// Content-Type and the Location, redirects not followed.
func answer(t *testing.T, c *http.Client, url string, header http.Header) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Location")
}

// isConnectionLoss reports errors a reset or cut connection gives a client.
func isConnectionLoss(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "reset by peer") || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "broken pipe")
}
