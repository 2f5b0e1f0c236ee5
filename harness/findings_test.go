package harness

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

// TestFindingsDocumented keeps docs/findings.md true: every finding name
// in the catalog has its row.
func TestFindingsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/findings.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range FindingNames() {
		if !strings.Contains(string(doc), "| `"+string(n)+"` | "+string(FindingCatalog[n].Severity)+" |") {
			t.Errorf("docs/findings.md has no row for %s (%s)", n, FindingCatalog[n].Severity)
		}
	}
}

// TestFindingRules shows single rules on a one-exchange session: each
// live answer gives exactly the named findings.
func TestFindingRules(t *testing.T) {
	rec := func(code int, ct, reqBody string, hdr http.Header, events ...time.Duration) *Cassette {
		in := &Interaction{}
		in.Request = cassette.Request{Method: "POST", URL: "http://h/mcp", Body: reqBody}
		in.Response = cassette.Response{Code: code, Headers: http.Header{"Content-Type": {ct}}}
		for k, v := range hdr {
			in.Response.Headers[k] = v
		}
		in.Stream = Timeline{Status: code, Reason: EndServerEOF, Closed: 10 * time.Millisecond}
		for _, at := range events {
			in.Stream.Events = append(in.Stream.Events, StreamEvent{At: at, ID: "1"})
		}
		return &Cassette{Interactions: []*Interaction{in}}
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`
	for _, tc := range []struct {
		name string
		c    *Cassette
		live Result
		want []FindingName
	}{
		{"as recorded", rec(200, "application/json", body, nil), Result{Timeline: Timeline{Status: 200, Reason: EndServerEOF}}, nil},
		{"the body did not arrive", rec(200, "application/json", body, nil),
			Result{Timeline: Timeline{Status: 400, Reason: EndServerEOF}, liveBody: "POST requires a non-empty body"}, []FindingName{BodyNotArrived}},
		{"parse error in a 200", rec(200, "application/json", body, nil),
			Result{Timeline: Timeline{Status: 200, Reason: EndServerEOF}, liveBody: `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}}`}, []FindingName{BodyNotArrived}},
		{"202 became 200", rec(202, "", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil),
			Result{Timeline: Timeline{Status: 200, Reason: EndServerEOF}}, []FindingName{AcceptedChanged}},
		{"524", rec(200, "application/json", body, nil), Result{Timeline: Timeline{Status: 524, Reason: EndServerEOF}}, []FindingName{GatewayTimeout}},
		{"502", rec(200, "application/json", body, nil), Result{Timeline: Timeline{Status: 502, Reason: EndServerEOF}}, []FindingName{BadGateway}},
		{"header removed", rec(200, "application/json", body, http.Header{"X-Accel-Buffering": {"no"}}),
			Result{Timeline: Timeline{Status: 200, Reason: EndServerEOF}, liveHeader: http.Header{}}, []FindingName{HeaderRemoved}},
		{"event id twice", rec(200, "text/event-stream", body, nil, time.Millisecond),
			Result{Timeline: Timeline{Status: 200, Reason: EndServerEOF, Events: []StreamEvent{{At: time.Millisecond, ID: "1"}, {At: 2 * time.Millisecond, ID: "1"}}}}, []FindingName{EventsDuplicated}},
		{"no response", rec(200, "application/json", body, nil), Result{Timeline: Timeline{Reason: EndUpstreamError, Err: "connection refused"}}, []FindingName{NoResponse}},
		{"HTTP/2 refused the Connection header (Go)", rec(200, "application/json", body, nil),
			Result{Timeline: Timeline{Status: 400, Reason: EndServerEOF}, liveBody: "request header \"Connection\" is not valid in HTTP/2\n"}, []FindingName{HTTP2Malformed}},
		{"HTTP/2 reset the malformed request (HAProxy)", rec(200, "application/json", body, nil),
			Result{Timeline: Timeline{Reason: EndUpstreamError, Err: "http2: the server sent RST_STREAM PROTOCOL_ERROR"}}, []FindingName{HTTP2Malformed}},
		{"another 400", rec(200, "application/json", body, nil),
			Result{Timeline: Timeline{Status: 400, Reason: EndServerEOF}, liveBody: `{"jsonrpc":"2.0","error":{"code":-32600,"message":"bad"}}`}, []FindingName{StatusChanged}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{TimeScale: 1, Pace: 1, Results: []Result{tc.live}}
			Judge(tc.c, rep, nil)
			var got []FindingName
			for _, f := range rep.Findings() {
				got = append(got, f.Name)
			}
			if strings.Join(names(got), ",") != strings.Join(names(tc.want), ",") {
				t.Errorf("findings = %v, want %v (%v)", got, tc.want, rep.Findings())
			}
		})
	}
}

func names(ns []FindingName) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = string(n)
	}
	return out
}

// TestFieldAddedIsCosmetic replays a recorded metadata document against a
// server that added a field and against one that dropped a field: the
// added field is a cosmetic finding and the replay passes (a newer server
// has not regressed), the missing one fails.
func TestFieldAddedIsCosmetic(t *testing.T) {
	const recorded = `{"issuer":"http://recorded","code_challenge_methods_supported":["S256"]}`
	for _, tc := range []struct {
		name     string
		live     string
		ok       bool
		findings []FindingName
		summary  string
	}{
		{"a field added", `{"issuer":"http://recorded","code_challenge_methods_supported":["S256"],"client_id_metadata_document_supported":true}`,
			true, []FindingName{FieldAdded}, "0 differences (0 not allowed), 1 field(s) only in the live response (field-added)"},
		{"a field missing", `{"issuer":"http://recorded"}`,
			false, []FindingName{ContentDiffers}, "1 differences (1 not allowed)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, tc.live)
			}))
			defer live.Close()
			rep := replayOne(t, live.URL, cassette.Request{Method: "GET", URL: "http://recorded/.well-known/oauth-authorization-server"},
				cassette.Response{Code: 200, Headers: http.Header{"Content-Type": {"application/json"}}, Body: recorded})
			var text strings.Builder
			rep.WriteText(&text)
			var got []FindingName
			for _, f := range rep.Findings() {
				got = append(got, f.Name)
			}
			if rep.OK() != tc.ok || strings.Join(names(got), ",") != strings.Join(names(tc.findings), ",") || !strings.Contains(text.String(), tc.summary) {
				t.Errorf("OK = %v, findings = %v; want OK = %v, findings %v, %q in:\n%s", rep.OK(), got, tc.ok, tc.findings, tc.summary, text.String())
			}
		})
	}
}
