package harness

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// TestBadGatewayDiagnosis: a 502 is diagnosed as the keep-alive race
// (field failure 28) only when the client's evidence fits: a POST,
// answered at once, after a quiet spell that followed an answered
// exchange. Replay clock at time scale 0.1: 10 s of quiet is 1 s.
func TestBadGatewayDiagnosis(t *testing.T) {
	const race, lost = "field failure 28", "the proxy lost the server"
	exchange := func(method string) *Interaction {
		in := &Interaction{}
		in.Request = cassette.Request{Method: method, URL: "http://h/mcp", Body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`}
		in.Response = cassette.Response{Code: 200, Headers: http.Header{"Content-Type": {"application/json"}}}
		in.Stream = Timeline{Status: 200, Reason: EndServerEOF, Closed: 10 * time.Millisecond}
		return in
	}
	answered := Result{Timeline: Timeline{Status: 200, Reason: EndServerEOF, Opened: 0, Closed: 10 * time.Millisecond}}
	badGateway := func(after, headers time.Duration) Result {
		return Result{Started: after, Timeline: Timeline{Status: 502, Reason: EndServerEOF, Opened: after, Headers: headers, Closed: headers}}
	}
	for _, tc := range []struct {
		name    string
		method  string
		results []Result
		want    string
		at      int // the exchange whose 502 is judged
	}{
		{"a POST after 10 s of quiet", http.MethodPost, []Result{answered, badGateway(time.Second+10*time.Millisecond, time.Millisecond)}, race, 1},
		{"a POST with no quiet", http.MethodPost, []Result{answered, badGateway(20*time.Millisecond, time.Millisecond)}, lost, 1},
		{"a GET after the quiet (a balancer sends it again)", http.MethodGet, []Result{answered, badGateway(time.Second+10*time.Millisecond, time.Millisecond)}, lost, 1},
		{"a POST answered 502 after 30 s (a deadline)", http.MethodPost, []Result{answered, badGateway(time.Second+10*time.Millisecond, 3*time.Second)}, lost, 1},
		{"a POST after the quiet, answered again after it", http.MethodPost, []Result{answered, badGateway(time.Second+10*time.Millisecond, time.Millisecond), {Started: 2 * time.Second, Timeline: Timeline{Status: 200, Opened: 2 * time.Second}}}, race, 1},
		{"the server is gone: what follows is 502 too", http.MethodPost, []Result{answered, badGateway(time.Second+10*time.Millisecond, time.Millisecond), badGateway(2*time.Second, time.Millisecond)}, lost, 1},
		{"the last of a series of 502s", http.MethodPost, []Result{answered, badGateway(time.Second+10*time.Millisecond, time.Millisecond), badGateway(2*time.Second, time.Millisecond)}, lost, 2},
		{"the first exchange (nothing pooled)", http.MethodPost, []Result{{Started: time.Second}, badGateway(time.Second+10*time.Millisecond, time.Millisecond)}, lost, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Cassette{Interactions: []*Interaction{exchange(http.MethodPost), exchange(tc.method)}}
			for range tc.results[2:] {
				c.Interactions = append(c.Interactions, exchange(http.MethodPost))
			}
			if tc.results[0].Timeline.Status == 0 { // not answered yet
				c.Interactions[0].Response.Code = 0
			}
			rep := &Report{TimeScale: 0.1, Pace: 1, Results: tc.results}
			Judge(c, rep, nil)
			var diagnosis []string
			at := tc.at
			for _, f := range rep.Findings() {
				if f.Name == BadGateway && f.Interaction == at {
					diagnosis = append(diagnosis, f.Diagnosis)
				}
			}
			if len(diagnosis) != 1 || !strings.Contains(diagnosis[0], tc.want) {
				t.Fatalf("bad-gateway diagnoses of exchange %d = %q, want one naming %q (findings %v)", at, diagnosis, tc.want, rep.Findings())
			}
		})
	}
}
