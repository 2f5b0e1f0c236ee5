package toxics

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// Cloudflare's 100 s cut at time scale 0.001: a request whose response has
// not started gets 524 after >= 100 ms, and the server sees the connection
// go away.
func TestIdleCutAnswers524BeforeTheResponse(t *testing.T) {
	gone := newStamp()
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // net/http notices a closed connection only after the body
		select {           // a tool call that never answers
		case <-r.Context().Done():
			gone.mark()
		case <-time.After(deadline):
		}
	}))
	tun := toxicTunnel(t, up, 0.001, "idle_cut:timeout=100s")
	start := time.Now()
	resp, err := client(t).Post("http://"+tun.Addr+"/mcp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if resp.StatusCode != 524 || string(body) != "error code: 524" {
		t.Errorf("got %d %q, want 524 \"error code: 524\"", resp.StatusCode, body)
	}
	if elapsed < 100*time.Millisecond {
		t.Errorf("cut after %v, want >= 100ms (100 s scaled by 0.001)", elapsed)
	}
	gone.wait(t, "server seeing the connection close")
	t.Logf("524 after %v (100 s at scale 0.001)", elapsed)
}

// A stream under way is cut without a 524: the client sees its events, then
// the end, >= timeout after the last byte.
func TestIdleCutCutsAQuietStream(t *testing.T) {
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeEvent(w, "1")
		select {
		case <-r.Context().Done():
		case <-time.After(deadline):
		}
	}))
	tun := toxicTunnel(t, up, 0.001, "idle_cut:timeout=100s")
	resp, err := client(t).Get("http://" + tun.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events, errc := readEvents(resp.Body)
	ev := next(t, events)
	for range events {
		t.Errorf("a second block arrived; want the cut")
	}
	cutAt := time.Now()
	if err := <-errc; err == nil {
		t.Errorf("stream ended cleanly; want a cut")
	}
	if quiet := cutAt.Sub(ev.at); quiet < 100*time.Millisecond {
		t.Errorf("cut %v after the last byte, want >= 100ms", quiet)
	}
}

// Keepalive comments keep a stream alive past the timeout (the fix in
// field failure 11): 15 s pings against a 100 s cut, at scale 0.005.
func TestIdleCutSparedByKeepalive(t *testing.T) {
	const scale = 0.005
	keepalive := timescale.Scale(scale).Scale(15 * time.Second)
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		for i := 0; i < 12; i++ { // 12 * 15 s = 180 s > 100 s
			select {
			case <-r.Context().Done():
				return
			case <-time.After(keepalive):
			}
			io.WriteString(w, ": ping\n\n")
			w.(http.Flusher).Flush()
		}
		writeEvent(w, "done")
	}))
	tun := toxicTunnel(t, up, scale, "idle_cut:timeout=100s")
	start := time.Now()
	resp, err := client(t).Get("http://" + tun.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events, errc := readEvents(resp.Body)
	var last sseEvent
	n := 0
	for ev := range events {
		last, n = ev, n+1
	}
	if n != 13 || last.text != "data: done\n" {
		t.Errorf("got %d blocks ending %q after %v (err %v); want 12 pings and done", n, last.text, time.Since(start), <-errc)
	}
}

// Client bytes count as activity: a slow upload longer than the timeout,
// with gaps shorter than it, is not cut.
func TestIdleCutCountsUpstreamBytes(t *testing.T) {
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		w.Write(b)
	}))
	tun := toxicTunnel(t, up, 0.005, "idle_cut:timeout=100s") // 500 ms
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 15; i++ { // 15 * 50 ms = 750 ms of upload, no response bytes
			pw.Write([]byte("0123456789"))
			time.Sleep(50 * time.Millisecond) // the client's pace, not an assertion
		}
		pw.Close()
	}()
	start := time.Now()
	resp, err := client(t).Post("http://"+tun.Addr+"/", "application/octet-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Equal(b, bytes.Repeat([]byte("0123456789"), 15)) {
		t.Errorf("got %d with %d bytes after %v, want 200 echoing 150", resp.StatusCode, len(b), time.Since(start))
	}
}
