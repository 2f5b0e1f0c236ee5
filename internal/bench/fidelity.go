package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/timescale"
)

// Fidelity is how closely a replay keeps the recorded gaps between
// requests: the error of each gap, |live - scheduled|, at one scale.
type Fidelity struct {
	Scale timescale.Scale `json:"scale"`
	Gaps  int             `json:"gaps"`
	P50US float64         `json:"p50_us"`
	P99US float64         `json:"p99_us"`
	MaxUS float64         `json:"max_us"`
}

// fidelityGaps cycle through the recorded session: short gaps are the
// hard case (a timer's slack is a larger share of them).
var fidelityGaps = []time.Duration{2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}

// measureFidelity replays a recorded session of n sequential requests
// against an in-process server at each scale.
func measureFidelity(ctx context.Context, n int, scales []timescale.Scale) ([]Fidelity, error) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "pong")
	}))
	defer srv.Close()
	c := &harness.Cassette{Provenance: harness.Provenance{Origin: "http://recorded.invalid:1"}}
	var at time.Duration
	for i := range n {
		in := &harness.Interaction{}
		in.Request = cassette.Request{Method: "GET", URL: fmt.Sprintf("http://recorded.invalid:1/ping?i=%d", i)}
		in.Response = cassette.Response{Code: 200, Headers: http.Header{"Content-Type": {"text/plain"}}, Body: "pong"}
		in.Stream = harness.Timeline{Opened: at, Headers: 100 * time.Microsecond, Closed: 200 * time.Microsecond, Reason: harness.EndServerEOF}
		c.Interactions = append(c.Interactions, in)
		at += fidelityGaps[i%len(fidelityGaps)]
	}
	var out []Fidelity
	for _, scale := range scales {
		rep, err := harness.Replay(ctx, c, srv.URL, &harness.ReplayOptions{TimeScale: scale})
		if err != nil {
			return nil, err
		}
		if !rep.OK() {
			return nil, fmt.Errorf("replay at scale %g: %v", scale, rep.Failures())
		}
		var errs []time.Duration
		for i := 1; i < len(rep.Results); i++ {
			live := rep.Results[i].Started - rep.Results[i-1].Started
			want := rep.Results[i].Scheduled - rep.Results[i-1].Scheduled
			errs = append(errs, (live - want).Abs())
		}
		f := Fidelity{Scale: scale, Gaps: len(errs), P50US: percentileUS(errs, 50), P99US: percentileUS(errs, 99)}
		f.MaxUS = percentileUS(errs, 100)
		out = append(out, f)
	}
	return out, nil
}

func (r *run) replay(rep *Report) error {
	r.o.Progress("replay fidelity: 400 requests at scales 1 and 0.1")
	var err error
	rep.Replay, err = measureFidelity(r.ctx, 400, []timescale.Scale{1, 0.1})
	return err
}
