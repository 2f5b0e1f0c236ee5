package toxics

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// seen is what the origin saw of one request.
type seen struct {
	method, contentLength string
	chunked               bool
	body                  string
	err                   error
	naive                 string // the body as an origin reading only Content-Length sees it
}

func recordingUpstream(t *testing.T) (string, <-chan seen) {
	ch := make(chan seen, 16)
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		s := seen{method: r.Method, contentLength: r.Header.Get("Content-Length"),
			chunked: len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked", body: string(b), err: err}
		n := 0
		fmt.Sscan(s.contentLength, &n)
		s.naive = s.body[:min(n, len(s.body))]
		ch <- s
		io.WriteString(w, "ok")
	}))
	return up, ch
}

func TestBodyDrop(t *testing.T) {
	const body = `{"jsonrpc":"2.0","id":1,"method":"initialize"}`
	tests := []struct {
		name  string
		toxic string
		// chunkedClient sends the body without Content-Length.
		chunkedClient bool
		want          seen
		wantCut       bool
	}{
		{name: "chunked: re-framed, naive origin reads 0 bytes (field failure 8)", toxic: "body_drop:shape=chunked",
			want: seen{method: "POST", chunked: true, body: body, naive: ""}},
		{name: "empty: Content-Length 0 (field failure 7)", toxic: "body_drop:shape=empty",
			want: seen{method: "POST", contentLength: "0", body: "", naive: ""}},
		{name: "when=chunked spares a body with Content-Length", toxic: "body_drop:shape=empty,when=chunked",
			want: seen{method: "POST", contentLength: fmt.Sprint(len(body)), body: body, naive: body}},
		{name: "when=chunked drops a chunked body", toxic: "body_drop:shape=empty,when=chunked", chunkedClient: true,
			want: seen{method: "POST", contentLength: "0", body: "", naive: ""}},
		{name: "methods=PUT spares POST", toxic: "body_drop:shape=empty,methods=PUT",
			want: seen{method: "POST", contentLength: fmt.Sprint(len(body)), body: body, naive: body}},
		{name: "cut after 10 bytes", toxic: "body_drop:shape=cut,keep=10", wantCut: true,
			want: seen{method: "POST", contentLength: fmt.Sprint(len(body)), body: body[:10]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up, origin := recordingUpstream(t)
			tun := toxicTunnel(t, up, 1, tt.toxic)
			c := client(t)
			var rd io.Reader = strings.NewReader(body)
			if tt.chunkedClient {
				rd = io.MultiReader(rd) // unknown length: Go sends it chunked
			}
			resp, err := c.Post("http://"+tun.Addr+"/mcp", "application/json", rd)
			got := <-origin
			if tt.wantCut {
				if err == nil {
					resp.Body.Close()
					t.Errorf("client got %d, want the connection cut", resp.StatusCode)
				}
				if got.err == nil || got.body != tt.want.body {
					t.Errorf("origin read %q (err %v), want %q then an error", got.body, got.err, tt.want.body)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			got.err = nil
			if got != tt.want {
				t.Errorf("origin saw %+v\nwant %+v", got, tt.want)
			}
			// The next request on the kept-alive connection is in frame and
			// untouched.
			resp, err = c.Get("http://" + tun.Addr + "/next")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if next := <-origin; next.method != "GET" || next.body != "" || next.err != nil {
				t.Errorf("next request: origin saw %+v", next)
			}
		})
	}
}
