package toxics

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// deadline bounds every wait in these tests: generous, because the machine
// is shared; a test fails on events and ordering, never on speed.
const deadline = 10 * time.Second

// startUpstream starts a real net/http server on loopback and returns its
// HOST:PORT.
func startUpstream(t testing.TB, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// openTunnel opens a tunnel to upstream with the given toxics on an
// embedded toxiproxy.
func openTunnel(t *testing.T, upstream string, opts TunnelOptions) *Tunnel {
	t.Helper()
	opts.Upstream = upstream
	tun, err := OpenTunnel(opts)
	if err != nil {
		t.Fatalf("OpenTunnel: %v", err)
	}
	t.Cleanup(func() { tun.Close() })
	return tun
}

// toxicTunnel opens a tunnel with the toxics given as --toxic strings.
func toxicTunnel(t *testing.T, upstream string, scale timescale.Scale, toxics ...string) *Tunnel {
	t.Helper()
	var extra []Spec
	for _, s := range toxics {
		spec, err := ParseSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		extra = append(extra, spec)
	}
	return openTunnel(t, upstream, TunnelOptions{Extra: extra, Scale: scale})
}

// client returns an HTTP client for tests, closed at cleanup.
func client(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: deadline}
}

// ctx returns a context that ends at the test deadline.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), deadline)
	t.Cleanup(cancel)
	return c
}

// sseEvent is one event block as the client received it.
type sseEvent struct {
	text string
	at   time.Time
}

// readEvents reads event blocks (ending at a blank line, comments
// included) from body and stamps their arrival. The channel closes at the
// end of the body; the error, if any, goes to errc.
func readEvents(body io.Reader) (<-chan sseEvent, <-chan error) {
	out := make(chan sseEvent, 64)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		br := bufio.NewReader(body)
		var block strings.Builder
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				errc <- err
				return
			}
			if strings.TrimRight(line, "\r\n") == "" {
				out <- sseEvent{text: block.String(), at: time.Now()}
				block.Reset()
				continue
			}
			block.WriteString(line)
		}
	}()
	return out, errc
}

// next waits for the next event or fails the test.
func next(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatalf("stream ended, want another event")
		}
		return ev
	case <-time.After(deadline):
		t.Fatalf("no event within %v", deadline)
	}
	return sseEvent{}
}

// sseHeaders starts an SSE response.
func sseHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

// writeEvent writes one event and flushes it, as go-sdk does.
func writeEvent(w http.ResponseWriter, data string) {
	io.WriteString(w, "data: "+data+"\n\n")
	w.(http.Flusher).Flush()
}

// dialRaw opens a TCP connection for hand-written HTTP.
func dialRaw(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, deadline)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(deadline))
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// readResponse reads one response to a request with the given method and
// its whole body.
func readResponse(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read %s response: %v", method, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s body: %v", method, err)
	}
	return resp, string(b)
}

// stamp is a time an event happened, sent once.
type stamp chan time.Time

func newStamp() stamp { return make(stamp, 1) }
func (s stamp) mark() { s <- time.Now() }
func (s stamp) wait(t *testing.T, what string) time.Time {
	t.Helper()
	select {
	case at := <-s:
		return at
	case <-time.After(deadline):
		t.Fatalf("%s did not happen within %v", what, deadline)
	}
	return time.Time{}
}
