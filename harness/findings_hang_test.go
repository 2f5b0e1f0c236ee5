package harness

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// TestCallHangs: a call whose stream got its headers and then ended
// without its answer and without any event id is call-hangs (field
// failure 33), whether it ended at once (the server died) or after a long
// silence (something in front held it); with an id on the stream, or with
// the answer, it is not; at 2026-07-28 request-lost says it instead.
func TestCallHangs(t *testing.T) {
	rec := func(version string) *Cassette {
		in := &Interaction{}
		in.Request = cassette.Request{Method: "POST", URL: "http://h/mcp", Headers: http.Header{"Mcp-Protocol-Version": {version}},
			Body: `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"whoami"}}`}
		in.Response = cassette.Response{Code: 200, Headers: http.Header{"Content-Type": {"text/event-stream"}},
			Body: "id: 1\ndata: \n\nid: 2\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{}}\n\n"}
		in.Stream = Timeline{Status: 200, Headers: time.Millisecond, Reason: EndServerEOF, Closed: 10 * time.Millisecond,
			Events: []StreamEvent{{At: time.Millisecond, ID: "1"}, {At: 5 * time.Millisecond, ID: "2", Event: "message"}}}
		return &Cassette{Interactions: []*Interaction{in}}
	}
	live := func(closed time.Duration, reason EndReason, events ...StreamEvent) Result {
		return Result{Timeline: Timeline{Status: 200, ContentType: "text/event-stream", Headers: time.Millisecond, Reason: reason, Closed: closed, Events: events}}
	}
	answered := live(6*time.Millisecond, EndServerEOF, StreamEvent{At: 2 * time.Millisecond}, StreamEvent{At: 5 * time.Millisecond, Event: "message"})
	answered.liveAnswered = true
	for _, tc := range []struct {
		name    string
		c       *Cassette
		live    Result
		want    []FindingName
		diagnos string // in call-hangs' diagnosis
	}{
		{"died after the headers, no ids", rec("2025-11-25"), live(2*time.Millisecond, EndReset), []FindingName{CallHangs, EventsMissing, StreamReset}, "ended (reset) 1.0ms after the headers"},
		{"held open, then cut", rec("2025-11-25"), live(3*time.Second, EndReset), []FindingName{CallHangs, EventsMissing, StreamReset}, "nothing for 2999.0ms before the end"},
		{"ended cleanly, no ids", rec("2025-11-25"), live(2*time.Millisecond, EndServerEOF), []FindingName{CallHangs, EventsMissing}, "without an event id"},
		{"a priming id: resumable", rec("2025-11-25"), live(2*time.Millisecond, EndReset, StreamEvent{At: time.Millisecond, ID: "1"}), []FindingName{EventsMissing, StreamReset}, ""},
		{"answered without ids", rec("2025-11-25"), answered, nil, ""},
		{"2026-07-28: request-lost", rec("2026-07-28"), live(2*time.Millisecond, EndReset), []FindingName{EventsMissing, RequestLost, StreamReset}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{TimeScale: 1, Pace: 1, Results: []Result{tc.live}}
			Judge(tc.c, rep, nil)
			var got []string
			for _, f := range rep.Findings() {
				got = append(got, string(f.Name))
				if f.Name == CallHangs && !strings.Contains(f.Diagnosis, tc.diagnos) {
					t.Errorf("diagnosis %q, want it to say %q", f.Diagnosis, tc.diagnos)
				}
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
