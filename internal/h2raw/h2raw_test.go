package h2raw

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http2"
)

// h2cServer is Go's own net/http server with h2c on, as Caddy and other
// Go fronts run it; it counts the requests its handler saw.
func h2cServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var seen atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		h(w, r)
	}))
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = &p
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &seen
}

// Go's HTTP/2 server answers a request carrying a connection-specific
// field with 400 and never calls the handler: ruby_llm-mcp#77's 51 bytes.
func TestGoServerRefusesConnectionSpecificFields(t *testing.T) {
	tests := []struct {
		name, value string
		status      int
		body        string
	}{
		{"", "", 200, "proto HTTP/2.0\n"},
		{"Connection", "keep-alive", 400, "request header \"Connection\" is not valid in HTTP/2\n"},
		{"Keep-Alive", "timeout=5", 400, "request header \"Keep-Alive\" is not valid in HTTP/2\n"},
		{"Proxy-Connection", "keep-alive", 400, "request header \"Proxy-Connection\" is not valid in HTTP/2\n"},
		{"Upgrade", "websocket", 400, "request header \"Upgrade\" is not valid in HTTP/2\n"},
		{"Te", "trailers", 200, "proto HTTP/2.0\n"}, // the one value RFC 9113 allows
	}
	for _, tc := range tests {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			srv, seen := h2cServer(t, func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "proto "+r.Proto+"\n")
			})
			req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
			req.Header.Set("Content-Type", "application/json")
			if tc.name != "" {
				req.Header.Set(tc.name, tc.value)
			}
			resp, err := (&Transport{}).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("read body: %v", err)
			}
			if resp.StatusCode != tc.status || string(b) != tc.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, b, tc.status, tc.body)
			}
			if want := int32(0); tc.status == 400 && seen.Load() != want {
				t.Errorf("handler saw %d requests, want none", seen.Load())
			}
		})
	}
}

// A stream the server resets is an error the caller sees: before the head
// from RoundTrip, after it from the body.
func TestResetIsAnError(t *testing.T) {
	srv, _ := h2cServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/after-head" {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, ": ok\n\n")
			w.(http.Flusher).Flush()
		}
		panic(http.ErrAbortHandler) // Go's server resets the stream
	})
	req, _ := http.NewRequest("GET", srv.URL+"/before-head", nil)
	_, err := (&Transport{}).RoundTrip(req)
	var reset *ResetError
	if !errors.As(err, &reset) || reset.Frame != "RST_STREAM" || reset.Code != http2.ErrCodeInternal {
		t.Errorf("RoundTrip before the head: err = %v, want RST_STREAM INTERNAL_ERROR", err)
	}
	req, _ = http.NewRequest("GET", srv.URL+"/after-head", nil)
	resp, err := (&Transport{}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != ": ok\n\n" || !errors.As(err, &reset) {
		t.Errorf("after the head: %d %q, err %v; want 200 \": ok\\n\\n\" and a ResetError", resp.StatusCode, b, err)
	}
}

// A handler's connection-specific fields on HTTP/2: Go's server drops
// Connection but sends Keep-Alive on (docs/tunnel.md's table), which
// nghttp2-based clients (curl, Node) then reject as malformed.
func TestGoServerDropsConnectionSendsKeepAlive(t *testing.T) {
	srv, _ := h2cServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Connection", "keep-alive")
		w.Header().Set("Keep-Alive", "timeout=5")
		io.WriteString(w, ": ok\n\n")
	})
	req, _ := http.NewRequest("GET", srv.URL+"/mcp", nil)
	resp, err := (&Transport{}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, ok := resp.Header["Connection"]; ok || resp.Header.Get("Keep-Alive") != "timeout=5" {
		t.Errorf("response fields %v: want no Connection, Keep-Alive: timeout=5", resp.Header)
	}
}
