package mcpvcrtest

import (
	"context"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// Replay replays the cassette at path against target through profile (""
// means directly), with the tunnel's durations multiplied by scale (0
// means 1) and the recorded pace kept, and fails t when the replay cannot
// run at all; differences are the caller's to judge.
//
//	client(cassette) > tunnel(profile, scale) > target
func Replay(t testing.TB, path, target string, profile toxics.Profile, scale toxics.TimeScale) (*harness.Cassette, *harness.Report) {
	t.Helper()
	c, err := harness.LoadCassette(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := &harness.ReplayOptions{Grace: 2 * time.Second}
	if profile != "" {
		if scale == 0 {
			scale = 1
		}
		opts.Tunnel = toxics.TunnelOptions{Profile: profile, Scale: scale}.Front(nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := harness.Replay(ctx, c, target, opts)
	if err != nil && rep == nil {
		t.Fatalf("replay %s: %v", path, err)
	}
	return c, rep
}

// ReplayedStream is one interaction's stream as recorded and as the
// replayer saw it live.
type ReplayedStream struct {
	Interaction    int
	Recorded, Live harness.Timeline
}

// ListenStream returns the GET listen stream of a replay of c: the first
// GET that was recorded answering text/event-stream. Interaction -1 means
// the cassette has none.
func ListenStream(c *harness.Cassette, rep *harness.Report) ReplayedStream {
	for i, in := range c.Interactions {
		if in.Request.Method == "GET" && isEventStream(in.Response.Headers.Get("Content-Type")) && i < len(rep.Results) {
			return ReplayedStream{Interaction: i, Recorded: in.Stream, Live: rep.Results[i].Timeline}
		}
	}
	return ReplayedStream{Interaction: -1}
}

func isEventStream(contentType string) bool {
	return len(contentType) >= 17 && contentType[:17] == "text/event-stream"
}

// Held reports whether the live stream failed to deliver a recorded data
// event on time: later than late past its recorded offset, or not at all
// (headers held until the replayer gave up count too). Events are paired
// in order, since a replay's SSE ids differ from the recording's.
func (r ReplayedStream) Held(late time.Duration) bool {
	rec, live := r.Recorded.DataEvents(), r.Live.DataEvents()
	if len(live) < len(rec) {
		return true
	}
	for i, ev := range rec {
		if live[i].At-ev.At > late {
			return true
		}
	}
	return false
}
