package toxics

import (
	"io"
	"net/http"
	"testing"
)

// field failure 10: the bodiless 202 acknowledging notifications/initialized
// (and a bodiless 405) came back as 500; responses with a body did not.
// All on one keep-alive connection, pipelined.
func TestStatusRewrite(t *testing.T) {
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/initialized":
			w.WriteHeader(http.StatusAccepted)
		case "/get-stream":
			w.WriteHeader(http.StatusMethodNotAllowed)
		case "/accepted-with-body":
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, "queued")
		default:
			io.WriteString(w, "ok")
		}
	}))
	tun := toxicTunnel(t, up, 1, "status_rewrite:from=202,405,to=500")
	conn, br := dialRaw(t, tun.Addr)
	paths := []string{"/initialized", "/ok", "/get-stream", "/accepted-with-body", "/ok"}
	for _, p := range paths {
		io.WriteString(conn, "POST "+p+" HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	}
	want := []struct {
		status int
		body   string
	}{{500, ""}, {200, "ok"}, {500, ""}, {202, "queued"}, {200, "ok"}}
	for i, w := range want {
		resp, body := readResponse(t, br, http.MethodPost)
		if resp.StatusCode != w.status || body != w.body {
			t.Errorf("%s: %d %q, want %d %q", paths[i], resp.StatusCode, body, w.status, w.body)
		}
	}
}
