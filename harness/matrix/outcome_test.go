package matrix

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/toxics"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// session is a recorded session cut to what observe looks at: the token
// exchange, initialize, and a listen stream with one notification at 5 ms.
func session() *harness.Cassette {
	in := func(method, url, body string, code int, ct string, events ...time.Duration) *harness.Interaction {
		i := &harness.Interaction{}
		i.Request = cassette.Request{Method: method, URL: url, Body: body}
		i.Response = cassette.Response{Code: code, Headers: http.Header{"Content-Type": {ct}}}
		i.Stream.Status = code
		for _, at := range events {
			i.Stream.Events = append(i.Stream.Events, harness.StreamEvent{At: at, Event: "message"})
		}
		return i
	}
	return &harness.Cassette{Interactions: []*harness.Interaction{
		in("POST", "http://h/token", "grant_type=authorization_code", 200, "application/json"),
		in("POST", "http://h/mcp", `{"jsonrpc":"2.0","id":1,"method":"initialize"}`, 200, "text/event-stream", time.Millisecond),
		in("GET", "http://h/mcp", "", 200, "text/event-stream", 5*time.Millisecond),
	}}
}

// live is a replay where everything matched; change edits it first.
func live(change func(r []harness.Timeline)) *harness.Report {
	tls := []harness.Timeline{
		{Status: 200, Reason: harness.EndServerEOF},
		{Status: 200, Reason: harness.EndServerEOF, Events: []harness.StreamEvent{{At: time.Millisecond, Event: "message"}}},
		{Status: 200, Reason: harness.EndServerEOF, Closed: 40 * time.Millisecond, Events: []harness.StreamEvent{{At: time.Millisecond, Comment: true}, {At: 6 * time.Millisecond, Event: "message"}}},
	}
	if change != nil {
		change(tls)
	}
	rep := &harness.Report{TimeScale: 1}
	for i, tl := range tls {
		rep.Results = append(rep.Results, harness.Result{Interaction: i, Timeline: tl})
	}
	return rep
}

func TestObserve(t *testing.T) {
	quick, err := toxics.CloudflareQuickTunnel.Toxics()
	if err != nil {
		t.Fatal(err)
	}
	applied := make([]toxics.AppliedToxic, len(quick))
	for i, s := range quick {
		applied[i] = toxics.AppliedToxic{Spec: s, Attributes: s.Resolved(0.01)}
	}
	zeroBytes := harness.Markers{{Name: "REQUEST BODY", Detail: "Received 0 bytes"}}
	for _, tc := range []struct {
		name          string
		rep           *harness.Report
		markers       harness.Markers
		want          Outcome
		wantHandshake bool
		wantDiagnosis string
	}{
		{"as recorded", live(nil), nil, OK, true, "every exchange and event as recorded"},
		{"listen stream without headers", live(func(tl []harness.Timeline) {
			tl[2] = harness.Timeline{Reason: harness.EndTimeout, Closed: time.Second, Err: "context canceled"}
		}), nil, ListenHeld, true, "GET listen stream: no response headers in 1000.0ms (recorded after 0.0ms); a proxy holds the response (field failure 2)"},
		{"notification late, at the close", live(func(tl []harness.Timeline) {
			tl[2].Events[1].At = 2 * time.Second
			tl[2].Closed = 2 * time.Second
		}), nil, ListenHeld, true, "1 event(s) held until the stream closed, up to 1995.0ms late: a proxy buffers this stream (field failure 2)"},
		{"notification missing", live(func(tl []harness.Timeline) {
			tl[2].Events = tl[2].Events[:1]
		}), nil, ListenHeld, true, "1 of 1 recorded event(s) never arrived"},
		{"token refused", live(func(tl []harness.Timeline) { tl[0].Status = 401 }),
			harness.Markers{{Name: "OAUTH TOKEN FAILED", Detail: `error=invalid_client reason=client "x" unknown`}}, HandshakeFailed, false,
			`POST /token: recorded 200, live 401; server: OAUTH TOKEN FAILED error=invalid_client reason=client "…" unknown`},
		// The server's markers enrich the diagnosis; they do not decide:
		// the client saw a 400 (its body said nothing about parsing).
		{"a server marker does not decide", live(func(tl []harness.Timeline) { tl[1].Status = 400 }),
			zeroBytes, HandshakeFailed, false, "POST initialize: recorded 200, live 400; the server logged Received 0 bytes on 1 request(s)"},
		{"a server marker alone is no failure", live(nil), zeroBytes, OK, true, "; the server logged Received 0 bytes on 1 request(s)"},
		{"reset", live(func(tl []harness.Timeline) {
			tl[1] = harness.Timeline{Reason: harness.EndUpstreamError, Err: "read: connection reset by peer"}
		}), nil, Reset, false, "POST initialize: the connection broke before any response (upstream_error) (field failure 15)"},
		{"gateway timeout", live(func(tl []harness.Timeline) { tl[2].Status = 524 }), nil, Cut, true, "GET listen stream answered 524 after 0.0ms: the tunnel's idle timeout cut it (field failure 11)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cell := &Cell{Fixture: "fx", Profile: toxics.CloudflareQuickTunnel}
			harness.Judge(session(), tc.rep, nil)
			observe(cell, session(), tc.rep, tc.markers, applied)
			if cell.Outcome != tc.want {
				t.Errorf("outcome = %s, want %s (diagnosis %q)", cell.Outcome, tc.want, cell.Diagnosis)
			}
			if cell.Handshake != tc.wantHandshake {
				t.Errorf("handshake = %v, want %v (%s)", cell.Handshake, tc.wantHandshake, cell.HandshakeDetail)
			}
			if !strings.Contains(cell.Diagnosis, tc.wantDiagnosis) {
				t.Errorf("diagnosis = %q, want it to contain %q", cell.Diagnosis, tc.wantDiagnosis)
			}
		})
	}
}
