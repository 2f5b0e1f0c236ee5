package mcpvcrtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// Replay replays the cassette at path against target through profile (""
// means directly), with the tunnel's durations multiplied by scale (0
// means 1) and the recorded pace kept, and fails t when the replay cannot
// run at all; differences are the caller's to judge.
//
//	client(cassette) > tunnel(profile, scale) > target
func Replay(t testing.TB, path, target string, profile toxics.Profile, scale timescale.Scale) (*harness.Cassette, *harness.Report) {
	t.Helper()
	c, err := harness.LoadCassette(path)
	if err != nil {
		t.Fatal(err)
	}
	if scale == 0 {
		scale = 1
	}
	opts := &harness.ReplayOptions{TimeScale: scale, Grace: harness.WorldGrace(scale)}
	if profile != "" {
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
// replayer saw it live, with the findings on it.
type ReplayedStream struct {
	Interaction    int
	Recorded, Live harness.Timeline
	Findings       []harness.Finding
}

// ListenStream returns the GET listen stream of a replay of c: the first
// interaction harness.IsListenStream says is one. Interaction -1 means the
// cassette has none.
func ListenStream(c *harness.Cassette, rep *harness.Report) ReplayedStream {
	for i, in := range c.Interactions {
		if harness.IsListenStream(in) && i < len(rep.Results) {
			res := rep.Results[i]
			return ReplayedStream{Interaction: i, Recorded: in.Stream, Live: res.Timeline, Findings: res.Findings}
		}
	}
	return ReplayedStream{Interaction: -1}
}

// Has reports whether a finding with one of names is on the stream.
func (r ReplayedStream) Has(names ...harness.FindingName) bool {
	for _, f := range r.Findings {
		if slices.Contains(names, f.Name) {
			return true
		}
	}
	return false
}
