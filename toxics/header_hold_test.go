package toxics

import (
	"io"
	"net/http"
	"testing"
	"time"
)

// field failure 5: behind an HTTP/2 proxy a flushed SSE head shows nothing
// until the first body byte.
func TestHeaderHoldUntilFirstBodyByte(t *testing.T) {
	ack := make(chan struct{})
	body := newStamp()
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusAccepted) // bodiless: released when it ends
			return
		}
		sseHeaders(w)                     // flushed: a plain proxy shows the head now
		time.Sleep(50 * time.Millisecond) // pacing, not an assertion
		body.mark()
		io.WriteString(w, ": ping\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-ack:
		case <-time.After(deadline):
		}
	}))
	tun := toxicTunnel(t, up, 1, "header_hold")
	c := client(t)

	resp, err := c.Post("http://"+tun.Addr+"/", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST status = %d, want 202", resp.StatusCode)
	}

	resp, err = c.Get("http://" + tun.Addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	headersAt := time.Now()
	defer resp.Body.Close()
	bodyAt := body.wait(t, "first body byte")
	if headersAt.Before(bodyAt) {
		t.Errorf("headers arrived %v before the first body byte was written; want them held", bodyAt.Sub(headersAt))
	}
	events, _ := readEvents(resp.Body)
	if ev := next(t, events); ev.text != ": ping\n" {
		t.Errorf("first block = %q, want the ping comment", ev.text)
	}
	close(ack)
}

// A HEAD response carries Content-Length but no body. Only a toxic that
// knows the request was HEAD can tell; otherwise it would wait for body
// bytes that never come and hold the next response too. Pipelined.
func TestHeaderHoldHEADThenGETPipelined(t *testing.T) {
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		if r.Method == http.MethodHead {
			return
		}
		io.WriteString(w, "hello")
	}))
	tun := toxicTunnel(t, up, 1, "header_hold")
	conn, br := dialRaw(t, tun.Addr)
	io.WriteString(conn, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResponse(t, br, http.MethodHead)
	if resp.ContentLength != 5 || body != "" {
		t.Errorf("HEAD: Content-Length %d body %q, want 5 and empty", resp.ContentLength, body)
	}
	if _, body = readResponse(t, br, http.MethodGet); body != "hello" {
		t.Errorf("GET body = %q, want hello", body)
	}
}
