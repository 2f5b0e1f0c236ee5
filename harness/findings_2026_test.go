package harness

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// TestFindingRules2026: a 2026-07-28 request refused 400 -32020 is
// header-mismatch (a proxy dropped an Mcp-* header), and a 2026-07-28
// call whose stream reset before its response is request-lost (nothing
// resumes in that era); the same reset at 2025-11-25 is only stream-reset.
func TestFindingRules2026(t *testing.T) {
	rec := func(version string, ct string) *Cassette {
		in := &Interaction{}
		in.Request = cassette.Request{Method: "POST", URL: "http://h/mcp", Headers: http.Header{"Mcp-Protocol-Version": {version}},
			Body: `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"slow"}}`}
		in.Response = cassette.Response{Code: 200, Headers: http.Header{"Content-Type": {ct}}}
		in.Stream = Timeline{Status: 200, Reason: EndServerEOF, Closed: 10 * time.Millisecond,
			Events: []StreamEvent{{At: 5 * time.Millisecond, Event: "message"}}}
		return &Cassette{Interactions: []*Interaction{in}}
	}
	reset := Result{Timeline: Timeline{Status: 200, ContentType: "text/event-stream", Reason: EndReset, Closed: 2 * time.Millisecond}}
	for _, tc := range []struct {
		name string
		c    *Cassette
		live Result
		want []FindingName
	}{
		{"header stripped", rec("2026-07-28", "text/event-stream"),
			Result{Timeline: Timeline{Status: 400, Reason: EndServerEOF}, liveBody: `{"jsonrpc":"2.0","id":5,"error":{"code":-32020,"message":"missing required Mcp-Method header"}}`},
			[]FindingName{HeaderMismatch}},
		{"another 400", rec("2026-07-28", "text/event-stream"),
			Result{Timeline: Timeline{Status: 400, Reason: EndServerEOF}, liveBody: `{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"bad"}}`},
			[]FindingName{StatusChanged}},
		{"2026 stream reset", rec("2026-07-28", "text/event-stream"), reset, []FindingName{EventsMissing, RequestLost, StreamReset}},
		{"2025 stream reset", rec("2025-11-25", "text/event-stream"), reset, []FindingName{EventsMissing, StreamReset}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{TimeScale: 1, Pace: 1, Results: []Result{tc.live}}
			Judge(tc.c, rep, nil)
			var got []string
			for _, f := range rep.Findings() {
				got = append(got, string(f.Name))
			}
			want := names(tc.want)
			slices.Sort(got)
			slices.Sort(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("findings = %v, want %v (%v)", got, want, rep.Findings())
			}
		})
	}
}
