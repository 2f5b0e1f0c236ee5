package toxics

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The seed's stream closed after two events (priming + endpoint).
// Keepalive comments do not count; a JSON response on the same connection
// before the stream passes untouched.
func TestCloseAfterEvents(t *testing.T) {
	serverSaw := make(chan error, 1)
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/json" {
			io.WriteString(w, `{"jsonrpc":"2.0"}`)
			return
		}
		sseHeaders(w)
		writeEvent(w, "priming")
		io.WriteString(w, ": ping\n\n")
		writeEvent(w, "endpoint")
		for i := 0; ; i++ { // the stream goes on until the cut reaches us
			select {
			case <-r.Context().Done():
				serverSaw <- r.Context().Err()
				return
			case <-time.After(5 * time.Millisecond):
				writeEvent(w, fmt.Sprint("more ", i))
			}
		}
	}))
	tun := toxicTunnel(t, up, 1, "close_after_events:events=2")
	c := client(t)
	resp, err := c.Get("http://" + tun.Addr + "/json")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != `{"jsonrpc":"2.0"}` {
		t.Errorf("JSON body = %q", b)
	}
	resp.Body.Close()

	resp, err = c.Get("http://" + tun.Addr + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events, errc := readEvents(resp.Body)
	var got []string
	for ev := range events {
		got = append(got, strings.TrimSpace(ev.text))
	}
	want := []string{"data: priming", ": ping", "data: endpoint"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("blocks = %q, want %q", got, want)
	}
	if err := <-errc; err == nil {
		t.Errorf("stream ended cleanly; want it cut")
	} else {
		t.Logf("client saw: %v", err)
	}
	select {
	case err := <-serverSaw:
		t.Logf("server saw: %v", err)
	case <-time.After(deadline):
		t.Errorf("the server never saw the connection close")
	}
}
