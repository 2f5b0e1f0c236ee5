package report_test

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/report"
)

// A listen stream whose notification arrived only when the stream closed:
// the findings say so in words, the page and the HAR show it in time.
func Example() {
	ms := time.Millisecond
	recorded := harness.Timeline{Status: 200, Headers: ms, Closed: 3 * time.Second, Reason: harness.EndServerEOF,
		Events: []harness.StreamEvent{{At: 200 * ms, ID: "1_0"}}}
	s := &report.Session{
		Title: "listen stream through a buffering tunnel",
		Exchanges: []report.Exchange{{
			Name: "GET /mcp (listen)",
			Live: harness.Timeline{Method: "GET", URL: "http://127.0.0.1:8080/mcp", Status: 200, Headers: 3 * time.Second,
				Closed: 3 * time.Second, Reason: harness.EndServerEOF, Events: []harness.StreamEvent{{At: 3 * time.Second, ID: "1_0"}}},
			Recorded:      &recorded,
			RequestHeader: http.Header{"Authorization": {"Bearer __ACCESS_TOKEN_1__"}},
		}},
	}
	s.Findings = report.Derive(s, 0)
	for _, f := range s.Findings {
		fmt.Printf("%s %s: %s\n", f.Severity, f.Name, f.Diagnosis)
	}
	if err := report.WriteHTML(io.Discard, s, nil); err != nil {
		fmt.Println(err)
	}
	// Output:
	// breaks stream-held: listen stream held by the tunnel: 1 event(s) arrived 2.8 s late, at close
}
