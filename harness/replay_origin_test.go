package harness

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// countingServer answers every request with status and counts them.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func oneRequestCassette(origin, rawURL string) *Cassette {
	in := &Interaction{}
	in.Request = cassette.Request{Method: "GET", URL: rawURL, Headers: http.Header{"Authorization": {"Bearer live-token"}, "Mcp-Session-Id": {"live-session"}}}
	in.Response = cassette.Response{Code: 200, Status: "200 OK"}
	return &Cassette{Version: 2, Provenance: Provenance{Origin: origin}, Interactions: []*Interaction{in}}
}

// sentTo is a transport that records where each request would have gone
// and answers 200 without sending anything.
type sentTo struct {
	mu   sync.Mutex
	urls []*url.URL
}

func (s *sentTo) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.urls = append(s.urls, req.URL)
	s.mu.Unlock()
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

// TestSecurityHigh1ReplayConfinedToTargetOrigin is issue 12 High 1: a
// cassette whose URL would take the replayed request (and its live
// Authorization header and session id) to another host is refused before
// anything is sent, whatever form the URL takes.
func TestSecurityHigh1ReplayConfinedToTargetOrigin(t *testing.T) {
	const target, recOrigin = "http://127.0.0.1:8080", "http://127.0.0.1:1"
	for _, tc := range []struct{ name, url string }{
		{"userinfo joined to the target", "@127.0.0.1/steal?t=__ACCESS_TOKEN_1__"},
		{"userinfo in an absolute URL", "http://user@evil.example/steal"},
		{"absolute URL to another host", "http://evil.example/steal"},
		{"scheme-relative", "//evil.example/steal"},
		{"host suffix", ".evil.example/steal"},
		{"opaque", "http:evil.example/steal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sent := &sentTo{}
			_, err := Replay(ctx, oneRequestCassette(recOrigin, tc.url), target, &ReplayOptions{Grace: time.Millisecond, Transport: sent})
			if !errors.Is(err, ErrOffOrigin) {
				t.Errorf("Replay error = %v, want ErrOffOrigin", err)
			}
			for _, u := range sent.urls {
				t.Errorf("request sent to %s, want none from a refused cassette", u.Redacted())
			}
		})
	}
}

// TestSecurityHigh1ReplayDoesNotFollowRedirects: a target (or a tunnel)
// that answers 302 to another host does not make the replayer follow it
// with the live headers; the 302 is only compared with the recording.
func TestSecurityHigh1ReplayDoesNotFollowRedirects(t *testing.T) {
	evil, evilHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	target, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, evil.URL+"/steal", http.StatusFound)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep, err := Replay(ctx, oneRequestCassette("http://127.0.0.1:1", "http://127.0.0.1:1/x"), target.URL, &ReplayOptions{Grace: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if n := evilHits.Load(); n != 0 {
		t.Errorf("redirect target got %d requests, want 0", n)
	}
	if got := rep.Results[0].Timeline.Status; got != http.StatusFound {
		t.Errorf("status = %d, want the 302 itself", got)
	}
}

// FuzzReplayOrigin: for any recorded URL, either the cassette is refused
// with ErrOffOrigin before anything is sent, or every request the
// replayer sends goes to the target's origin, without userinfo (make fuzz).
func FuzzReplayOrigin(f *testing.F) {
	for _, u := range []string{
		"http://127.0.0.1:1/mcp", "http://127.0.0.1:1/mcp?x=__ACCESS_TOKEN_1__", "/mcp", "http://127.0.0.1:1",
		"@127.0.0.1/steal?t=__ACCESS_TOKEN_1__", "//evil.example/x", ".evil.example/x", ":9/x", "http:evil/x",
		"http://user@127.0.0.1:1/x", "http://evil.example/x", "/__ACCESS_TOKEN_1__/x", "\\\\evil\\x", "/%2F%2Fevil/x",
	} {
		f.Add(u)
	}
	const target = "http://127.0.0.1:8080"
	f.Fuzz(func(t *testing.T, raw string) {
		sent := &sentTo{}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := Replay(ctx, oneRequestCassette("http://127.0.0.1:1", raw), target, &ReplayOptions{Grace: time.Millisecond, Transport: sent})
		if errors.Is(err, ErrOffOrigin) {
			if len(sent.urls) != 0 {
				t.Fatalf("refused cassette %q still sent %d requests", raw, len(sent.urls))
			}
			return
		}
		for _, u := range sent.urls {
			if u.Scheme+"://"+u.Host != target || u.User != nil {
				t.Fatalf("recorded URL %q was sent to %s, want %s", raw, u.Redacted(), target)
			}
		}
	})
}
