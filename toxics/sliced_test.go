package toxics

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// toxiproxy's slicer (first in each chain) cuts the streams into 1-10 byte
// chunks, so heads, chunk-size lines and events arrive split. Every
// HTTP-aware toxic after it must still deliver the exact bytes, rewrite
// what it targets once, and keep the pipeline in frame.
func TestToxicsOnSlicedStreams(t *testing.T) {
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/ack":
			w.WriteHeader(http.StatusAccepted)
		case "/sse":
			sseHeaders(w)
			for i := 0; i < 3; i++ {
				writeEvent(w, fmt.Sprint(i))
			}
		default:
			fmt.Fprintf(w, "%s %s %d %q", r.Method, r.URL.Path, r.ContentLength, b)
		}
	}))
	tun := toxicTunnel(t, up, 1,
		"slicer:name=slice_down,average_size=5,size_variation=4,delay=0",
		"slicer:name=slice_up,stream=upstream,average_size=5,size_variation=4,delay=0",
		"body_drop:shape=chunked,path=/rechunk",
		"status_rewrite", "header_hold", "sse_buffer:methods=GET", "close_after_events:events=100", "idle_cut:timeout=10s")
	conn, br := dialRaw(t, tun.Addr)
	reqs := []struct{ method, path, body, want string }{
		{"POST", "/echo", `{"a":1}`, `POST /echo 7 "{\"a\":1}"`},
		{"POST", "/ack", `{}`, ""},
		{"GET", "/sse", "", "data: 0\n\ndata: 1\n\ndata: 2\n\n"},
		{"POST", "/rechunk", `{"b":2}`, `POST /rechunk -1 "{\"b\":2}"`},
		{"HEAD", "/echo", "", ""},
		{"POST", "/echo", `last`, `POST /echo 4 "last"`},
	}
	var wire strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&wire, "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", r.method, r.path, len(r.body), r.body)
	}
	io.WriteString(conn, wire.String())
	for _, r := range reqs {
		resp, body := readResponse(t, br, r.method)
		wantStatus := 200
		if r.path == "/ack" {
			wantStatus = 500 // status_rewrite
		}
		if resp.StatusCode != wantStatus || body != r.want {
			t.Errorf("%s %s: %d %q, want %d %q", r.method, r.path, resp.StatusCode, body, wantStatus, r.want)
		}
	}
}
