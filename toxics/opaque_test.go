package toxics

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"testing"
)

// Anything that is not HTTP/1.1 (TLS, a raw protocol) passes every
// HTTP-aware toxic byte for byte and at once: the client's first byte comes
// back from an echo server before it sends the second.
func TestNonHTTPPassesUntouched(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	tun := toxicTunnel(t, ln.Addr().String(), 1, "body_drop:shape=empty", "sse_buffer", "header_hold",
		"idle_cut:timeout=10s", "close_after_events:events=1", "status_rewrite:from=200")
	conn, br := dialRaw(t, tun.Addr)

	// A TLS ClientHello's first byte, alone: it must come back by itself.
	conn.Write([]byte{0x16})
	if b, err := br.ReadByte(); err != nil || b != 0x16 {
		t.Fatalf("first byte back = %x, %v; want 16 at once", b, err)
	}
	payload := make([]byte, 256<<10)
	rand.Read(payload)
	go conn.Write(payload)
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(br, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Errorf("256 KiB of random bytes came back changed")
	}
}
