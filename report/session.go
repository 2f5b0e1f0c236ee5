package report

import (
	"net/http"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/timescale"
)

// Session is one run of an MCP session as a report shows it: every
// exchange on one clock, what the server logged on the same clock, the
// tunnel in force and what went wrong. Build one with FromReplay (or by
// hand), then WriteHTML or WriteHAR.
//
// Everything in it may come from a cassette or a server, so it is
// untrusted: the writers escape every string.
type Session struct {
	// Title names the session ("gosdk_oauth_session through
	// cloudflare-quick-tunnel"); Source says what was replayed against
	// what.
	Title  string
	Source string
	// Start is the wall-clock time of offset 0 (HAR needs absolute times);
	// zero means unknown.
	Start time.Time
	// Profile and Toxics are the tunnel in force ("" and none: direct).
	Profile string
	Toxics  []Toxic
	// TimeScale is the world time scale the session ran at (0 = unknown).
	TimeScale timescale.Scale
	// LateAfter is how much later than recorded an event must come to be
	// drawn late: the replay's own tolerance; 0 means Options.LateAfter.
	LateAfter time.Duration
	// Exchanges in the order the client sent them.
	Exchanges []Exchange
	// Markers the server logged, on the session's clock.
	Markers []Marker
	// Findings are shown first, worst first.
	Findings []Finding
	// Notes are free lines shown under the header (the replay's summary).
	Notes []string
}

// Exchange is one HTTP request and its response as the client saw it.
type Exchange struct {
	// Index is the interaction number in the cassette (or the order sent).
	Index int
	// Name is a short label: "POST /mcp initialize", "GET /mcp (listen)".
	Name string
	// Live is what happened: Opened is from the session's start, every
	// other offset from Opened. Live.Reason "open" means still open.
	Live harness.Timeline
	// Recorded, when there is a recording, is its timeline with every
	// offset already on the live clock (multiplied by the replay's time
	// scale); Recorded.Opened is the scheduled start. An event is late
	// by how much later than recorded it came after its request went
	// out (a request sent late is not its events' fault), as the
	// replayer and the matrix count it.
	Recorded *harness.Timeline
	// The request as sent, secrets as placeholders.
	RequestHeader http.Header
	RequestBody   string
	// The response headers and body, when kept (secrets as placeholders).
	ResponseHeader http.Header
	ResponseBody   string
	// Differences from the recording, one line each.
	Differences []string
}

// Toxic is one toxic of the tunnel in force.
type Toxic struct {
	Type       string
	Stream     string         // "upstream" or "downstream"
	Attributes map[string]any // as applied (durations already scaled)
	Why        string
}

// Marker is one server log marker on the session's clock.
type Marker struct {
	At     time.Duration // from the session's start
	Name   string
	Detail string
}

// Severity says how much a finding hurts the session.
type Severity string

// The severities, worst first.
const (
	Breaks   Severity = "breaks"
	Degrades Severity = "degrades"
	Cosmetic Severity = "cosmetic"
	Fine     Severity = "ok"
)

// Finding is one thing the client saw go wrong (or, Fine, go right), in
// words: Name is stable ("listen-held"), Diagnosis is one sentence,
// Evidence the timeline lines behind it.
type Finding struct {
	Name      string
	Severity  Severity
	Diagnosis string
	Evidence  []string
	// Exchange is the Index of the exchange it is about, -1 for none.
	Exchange int
}
