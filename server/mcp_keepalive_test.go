package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
)

// keepaliveScale runs the 2 s keepalive of these tests as 20 ms.
const keepaliveScale = 0.01

// TestKeepaliveCommentsOnIdleListenStream holds a listen stream open for 10
// keepalive intervals and counts the comments. Timing is checked only in
// the direction the clock guarantees: the server's comments are at least an
// interval apart, so ten of them cannot arrive before 10 intervals.
func TestKeepaliveCommentsOnIdleListenStream(t *testing.T) {
	const keepalive = 2 * time.Second
	interval := time.Duration(float64(keepalive) * keepaliveScale)
	s := startMCPServer(t, Config{AuthOff: true, Keepalive: keepalive, TimeScale: keepaliveScale}, nil)
	sid := s.initialize(t, "2025-06-18")

	opened := time.Now()
	resp := s.listen(t, t.Context(), sid, "2025-06-18")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET status = %d", resp.StatusCode)
	}
	stream := readSSE(resp.Body)
	first := stream.next(t)
	if !first.comment {
		t.Fatalf("first block = %+v, want the comment right after the headers", first)
	}
	const want = 10
	for got := 0; got < want; {
		b := stream.next(t)
		if !b.comment {
			t.Fatalf("idle stream carried an event: %+v", b)
		}
		if strings.Contains(b.raw, "keepalive") {
			got++
		}
	}
	if held := time.Since(opened); held < want*interval {
		t.Errorf("%d comments after %s, want no sooner than %s", want, held, want*interval)
	}

	isComment := func(e markers.Event) bool {
		return e.Name == markers.KeepaliveSent && e.SessionID == sid && strings.Contains(e.Detail, "Idle stream comment")
	}
	// The marker is logged just after the flush, so wait for it.
	evs := s.markers.waitFor(t, "10 KEEPALIVE SENT markers", func(evs []markers.Event) bool {
		return len(filterEvents(evs, isComment)) >= want
	})
	sent := filterEvents(evs, isComment)
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Time.Sub(sent[i-1].Time); gap < interval {
			t.Errorf("comments %d and %d are %s apart, want >= %s", i-1, i, gap, interval)
		}
	}
}

// TestNoKeepaliveFaultSendsNoComments: with no-keepalive, a listen stream
// held for 10 intervals carries no bytes at all, not even the comment after
// the headers (the stream field failure 13 describes).
func TestNoKeepaliveFaultSendsNoComments(t *testing.T) {
	const keepalive = 2 * time.Second
	interval := time.Duration(float64(keepalive) * keepaliveScale)
	s := startMCPServer(t, Config{AuthOff: true, Keepalive: keepalive, TimeScale: keepaliveScale, Faults: FaultsOf(FaultNoKeepalive)}, nil)
	sid := s.initialize(t, "2025-06-18")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	resp := s.listen(t, ctx, sid, "2025-06-18")
	stream := readSSE(resp.Body)
	hold := time.NewTimer(10 * interval)
	defer hold.Stop()
	select {
	case b := <-stream.blocks:
		t.Fatalf("got %+v, want no bytes with no-keepalive", b)
	case <-stream.done:
		t.Fatal("stream ended, want it held open")
	case <-hold.C:
	}
	if n := len(filterEvents(s.markers.snapshot(), func(e markers.Event) bool { return e.Name == markers.KeepaliveSent })); n != 0 {
		t.Errorf("KEEPALIVE SENT markers = %d, want 0", n)
	}
}

// TestIdleCloseFaultCutsQuietStream: with keepalive off, idle-close ends a
// silent listen stream and says why.
func TestIdleCloseFaultCutsQuietStream(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true, Keepalive: KeepaliveOff, TimeScale: keepaliveScale, Faults: FaultsOf(FaultIdleClose.For(5 * time.Second))}, nil)
	sid := s.initialize(t, "2025-06-18")
	resp := s.listen(t, t.Context(), sid, "2025-06-18")
	stream := readSSE(resp.Body)
	select {
	case <-stream.done:
	case <-time.After(waitTimeout):
		t.Fatal("stream still open, want idle-close to end it")
	}
	e := s.markers.waitMarker(t, markers.StreamClosing, "fault idle-close")
	if !strings.Contains(e.Detail, "closed by server") {
		t.Errorf("STREAM CLOSING = %q, want closed by server", e.Detail)
	}
}

// TestSlowHeadersFaultDelaysHeaders: the headers arrive no sooner than the
// scaled delay.
func TestSlowHeadersFaultDelaysHeaders(t *testing.T) {
	s := startMCPServer(t, Config{AuthOff: true, TimeScale: keepaliveScale, Faults: FaultsOf(FaultSlowHeaders.For(5 * time.Second))}, nil)
	start := time.Now()
	resp := s.post(t, "/mcp", "", "", initializeBody("2025-06-18"))
	if got, want := time.Since(start), 50*time.Millisecond; got < want {
		t.Errorf("headers after %s, want >= %s", got, want)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d", resp.StatusCode)
	}
	s.markers.waitMarker(t, markers.FaultActive, "slow-headers")
}
