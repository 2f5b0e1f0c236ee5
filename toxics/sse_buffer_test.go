package toxics

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The Quick Tunnel shape (field failure 2): a GET SSE stream is held until it
// ends while a POST stream on another connection flows.
func TestSSEBufferHoldsGETStreamsOnly(t *testing.T) {
	ack := make(chan struct{})
	getEnd, getFirst := newStamp(), newStamp()
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeEvent(w, "1")
		if r.Method == http.MethodPost {
			// Only a client that received event 1 lets the stream go on.
			select {
			case <-ack:
			case <-time.After(deadline):
			}
			writeEvent(w, "2")
			return
		}
		getFirst.mark()
		time.Sleep(50 * time.Millisecond) // pacing: a live stream, not an assertion
		writeEvent(w, "2")
		getEnd.mark()
	}))
	tun := toxicTunnel(t, up, 1, "sse_buffer:methods=GET,content_type=text/event-stream")
	c := client(t)

	resp, err := c.Post("http://"+tun.Addr+"/mcp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	events, _ := readEvents(resp.Body)
	if ev := next(t, events); ev.text != "data: 1\n" {
		t.Fatalf("POST event = %q, want data: 1", ev.text)
	}
	close(ack) // the POST stream flowed while open
	if ev := next(t, events); ev.text != "data: 2\n" {
		t.Fatalf("POST event = %q, want data: 2", ev.text)
	}
	resp.Body.Close()

	resp, err = c.Get("http://" + tun.Addr + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events, _ = readEvents(resp.Body)
	first := next(t, events)
	second := next(t, events)
	end, wrote := getEnd.wait(t, "GET end"), getFirst.wait(t, "GET event 1")
	if first.at.Before(end) {
		t.Errorf("GET event 1 arrived %v before the stream ended; want it held until the end", end.Sub(first.at))
	}
	if first.text != "data: 1\n" || second.text != "data: 2\n" {
		t.Errorf("GET events = %q, %q; want data: 1, data: 2", first.text, second.text)
	}
	t.Logf("GET event 1 held %v (server wrote it, then ended %v later)", first.at.Sub(wrote), end.Sub(wrote))
}

// bytes= releases once that much is held, before the response ends.
func TestSSEBufferReleasesAtSize(t *testing.T) {
	ack := make(chan struct{})
	wrote := make([]time.Time, 31)
	done := newStamp()
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		for i := 1; i <= 30; i++ {
			writeEvent(w, fmt.Sprintf("%02d%s", i, strings.Repeat("x", 90)))
			wrote[i] = time.Now()
		}
		done.mark()
		select { // the stream stays open until the client saw something
		case <-ack:
		case <-time.After(deadline):
		}
	}))
	tun := toxicTunnel(t, up, 1, "sse_buffer:bytes=2048")
	resp, err := client(t).Get("http://" + tun.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events, _ := readEvents(resp.Body)
	first := next(t, events)
	close(ack)
	done.wait(t, "server writes")
	// 15 events are 15*(96+6+chunk framing) < 2048 bytes with the head:
	// nothing can have been released before event 15 was written.
	if first.at.Before(wrote[15]) {
		t.Errorf("first event arrived before the server wrote event 15; want it held until 2048 bytes")
	}
	n := 1
	for range events {
		n++
	}
	if n != 30 {
		t.Errorf("events = %d, want 30", n)
	}
}

// max_hold= releases held bytes after that long even if the stream stays
// open and quiet.
func TestSSEBufferMaxHold(t *testing.T) {
	ack := make(chan struct{})
	wrote := newStamp()
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeEvent(w, "1")
		wrote.mark()
		select {
		case <-ack:
		case <-time.After(deadline):
		}
	}))
	const hold = 50 * time.Millisecond
	tun := toxicTunnel(t, up, 1, "sse_buffer:max_hold=50ms")
	resp, err := client(t).Get("http://" + tun.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events, _ := readEvents(resp.Body)
	ev := next(t, events) // arrives while the server still waits: released by time
	close(ack)
	held := ev.at.Sub(wrote.wait(t, "event 1 written"))
	if held < hold {
		t.Errorf("event held %v, want >= %v", held, hold)
	}
	t.Logf("max_hold %v: event held %v", hold, held)
}
