package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/timescale"
)

// gapCassette is a recorded session of n sequential requests whose
// inter-request gaps cycle through gaps.
func gapCassette(origin string, n int, gaps []time.Duration) *Cassette {
	c := &Cassette{Provenance: Provenance{Origin: origin}}
	var at time.Duration
	for i := range n {
		in := &Interaction{}
		in.Request = cassette.Request{Method: "GET", URL: fmt.Sprintf("%s/ping?i=%d", origin, i)}
		in.Response = cassette.Response{Code: 200, Headers: http.Header{"Content-Type": {"text/plain"}}, Body: "pong"}
		in.Stream = Timeline{Opened: at, Headers: 100 * time.Microsecond, Closed: 200 * time.Microsecond, Reason: EndServerEOF}
		c.Interactions = append(c.Interactions, in)
		at += gaps[i%len(gaps)]
	}
	return c
}

// gapErrors returns, for each consecutive pair of interactions of a
// replay, |live gap - scaled recorded gap| measured two ways: start to
// start, and from the end of the previous response to the next request
// (the client's "think time", which is what the replayer keeps when the
// live server is slower or faster than the recorded one).
func gapErrors(c *Cassette, rep *Report, scale timescale.Scale) (startToStart, endToStart []time.Duration) {
	abs := func(d time.Duration) time.Duration {
		if d < 0 {
			return -d
		}
		return d
	}
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale.Factor()) }
	for i := 1; i < len(rep.Results); i++ {
		rec, prev := c.Interactions[i].Stream, c.Interactions[i-1].Stream
		startToStart = append(startToStart, abs(rep.Results[i].Started-rep.Results[i-1].Started-scaled(rec.Opened-prev.Opened)))
		if prev.Opened+prev.Closed <= rec.Opened {
			liveEnd := rep.Results[i-1].Started + rep.Results[i-1].Timeline.Closed
			endToStart = append(endToStart, abs(rep.Results[i].Started-liveEnd-scaled(rec.Opened-prev.Opened-prev.Closed)))
		}
	}
	return startToStart, endToStart
}

func reportGapErrors(b *testing.B, name string, errs []time.Duration) {
	if len(errs) == 0 {
		return
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i] < errs[j] })
	var sum time.Duration
	for _, e := range errs {
		sum += e
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(sum/time.Duration(len(errs))), name+"-mean-err-µs")
	b.ReportMetric(us(errs[len(errs)*95/100]), name+"-p95-err-µs")
	b.ReportMetric(us(errs[len(errs)-1]), name+"-max-err-µs")
}

// BenchmarkReplayGapFidelity measures how closely a replay reproduces the
// recorded gaps between requests, scaled by the time scale: 20 sequential
// requests with gaps of 2, 5, 10 and 20 ms, against a local server.
func BenchmarkReplayGapFidelity(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "pong")
	}))
	defer srv.Close()
	gaps := []time.Duration{2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}
	c := gapCassette("http://recorded.invalid:1", 20, gaps)
	for _, scale := range []timescale.Scale{1, 0.25} {
		b.Run(fmt.Sprintf("timescale=%g", scale), func(b *testing.B) {
			var ss, es []time.Duration
			for b.Loop() {
				rep, err := Replay(context.Background(), c, srv.URL, &ReplayOptions{TimeScale: scale})
				if err != nil || !rep.OK() {
					b.Fatalf("replay: %v %v", err, rep.Failures())
				}
				s, e := gapErrors(c, rep, scale)
				ss, es = append(ss, s...), append(es, e...)
			}
			reportGapErrors(b, "start", ss)
			reportGapErrors(b, "think", es)
		})
	}
}

// BenchmarkReplayGapFidelitySession does the same for the recorded go-sdk
// OAuth session fixture against a fresh `mcpvcr serve` (server.New on its
// own miniredis) each time: real handlers, streams and dependencies
// between requests.
func BenchmarkReplayGapFidelitySession(b *testing.B) {
	c, err := LoadCassette(sessionFixture)
	if err != nil {
		b.Fatal(err)
	}
	var ss, es []time.Duration
	for b.Loop() {
		b.StopTimer()
		srv := startRealServer(b)
		b.StartTimer()
		rep, err := Replay(context.Background(), c, srv.URL, nil)
		b.StopTimer()
		srv.Close()
		b.StartTimer()
		if err != nil || !rep.OK() {
			b.Fatalf("replay: %v %v", err, rep.Failures())
		}
		s, e := gapErrors(c, rep, 1)
		ss, es = append(ss, s...), append(es, e...)
	}
	reportGapErrors(b, "start", ss)
	reportGapErrors(b, "think", es)
}

// realServer is `mcpvcr serve --auto-approve` on a loopback port.
type realServer struct {
	*httptest.Server
	srv *server.Server
}

func (r *realServer) Close() {
	r.Server.Close()
	r.srv.Close()
}

// startRealServer starts a fresh server (its own miniredis, new secrets)
// that the caller closes: a benchmark loop cannot wait for Cleanup.
func startRealServer(b *testing.B) *realServer {
	b.Helper()
	hs := httptest.NewUnstartedServer(nil)
	srv, err := server.New(server.Config{Addr: hs.Listener.Addr().String(), AutoApprove: true})
	if err != nil {
		b.Fatal(err)
	}
	hs.Config.Handler = srv
	hs.Start()
	return &realServer{Server: hs, srv: srv}
}
