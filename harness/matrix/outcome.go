package matrix

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// Outcome is what a tunnel did to a replayed session, in one word: the
// value written down per (fixture, profile) in fixtures/expectations.txt.
// It is decided from the replay's findings only (what the client saw);
// the server's markers add to the diagnosis, never to the decision.
type Outcome string

// The outcomes, in the order they are decided: the first that applies
// names the cell (a dropped body also fails the handshake, but the body is
// the story).
const (
	// BodyDropped: a request recorded with a body was answered as if it
	// had none (finding body-not-arrived).
	BodyDropped Outcome = "body-dropped"
	// Reset: a connection was reset under an exchange (stream-reset).
	Reset Outcome = "reset"
	// HandshakeFailed: the token exchange, initialize or
	// notifications/initialized has a finding that breaks the session.
	HandshakeFailed Outcome = "handshake-failed"
	// ListenHeld: the GET listen stream's headers or events were held by
	// the tunnel: they came late (when the stream closed) or never.
	// One outcome for all of these, because which one a run shows can be
	// a race between the buffer's release and the client's patience, not
	// a property of the tunnel (the findings say which).
	ListenHeld Outcome = "listen-held"
	// Cut: a response was replaced by a gateway timeout (gateway-timeout).
	Cut Outcome = "cut"
	// Broken: another finding that breaks the session.
	Broken Outcome = "broken"
	// OK: no finding breaks the session.
	OK Outcome = "ok"
)

// Outcomes lists every outcome, in decision order.
var Outcomes = []Outcome{BodyDropped, Reset, HandshakeFailed, ListenHeld, Cut, Broken, OK}

// Cell is one fixture replayed through one profile.
type Cell struct {
	Fixture string         `json:"fixture"`
	Profile toxics.Profile `json:"profile"`
	Outcome Outcome        `json:"outcome"`
	// Handshake is true when OAuth and initialize answered as recorded;
	// HandshakeDetail says where it failed.
	Handshake       bool   `json:"handshake"`
	HandshakeDetail string `json:"handshake_detail,omitempty"`
	// Listen is the GET listen stream, nil when the fixture has none.
	Listen *StreamSummary `json:"listen,omitempty"`
	// Events counts SSE data events over every stream.
	EventsRecorded  int `json:"events_recorded"`
	EventsDelivered int `json:"events_delivered"`
	EventsLate      int `json:"events_late"`
	// ServerEvents is how many events the server says it wrote.
	ServerEvents int `json:"server_events"`
	// Markers counts the server markers that tell the story.
	Markers []MarkerCount `json:"markers"`
	// Differences the replayer found (of any kind), for --json readers.
	Differences int `json:"differences"`
	// Findings are the replay's findings (what the client saw); Outcome
	// and Diagnosis are decided from them.
	Findings []harness.Finding `json:"findings,omitempty"`
	// Baseline are the findings the fixture has without this tunnel too
	// (Options.Baseline): the server differs from the recording there.
	Baseline  []harness.Finding `json:"baseline_findings,omitempty"`
	Diagnosis string            `json:"diagnosis"`
	// Took is the cell's wall time; Err is set when it could not run.
	Took time.Duration `json:"took_ns"`
	Err  string        `json:"error,omitempty"`
	// Report is the full replay report, for --json.
	Report *harness.Report `json:"report,omitempty"`
	// Toxics are the tunnel's toxics as applied (scaled), and
	// ServerMarkers what the cell's server logged: a session report
	// (package report) draws both on the replay's clock.
	Toxics        []toxics.AppliedToxic `json:"toxics,omitempty"`
	ServerMarkers harness.Markers       `json:"-"`
}

// StreamSummary is one stream as the replayer saw it.
type StreamSummary struct {
	Status    int               `json:"status"`
	Lived     time.Duration     `json:"lived_ns"`
	End       harness.EndReason `json:"end"`
	Error     string            `json:"error,omitempty"`
	Events    int               `json:"events"`
	Recorded  int               `json:"recorded_events"`
	Late      int               `json:"late_events"`
	Comments  int               `json:"comments"`
	LatestLag time.Duration     `json:"latest_lag_ns"`
}

// MarkerCount is how often the server logged a marker.
type MarkerCount struct {
	Pattern harness.Pattern `json:"pattern"`
	Label   string          `json:"label"`
	Count   int             `json:"count"`
}

// storyMarkers are the markers shown in the table, when logged at all.
var storyMarkers = []struct {
	pattern harness.Pattern
	label   string
}{
	{harness.Named(markers.SessionCreated), string(markers.SessionCreated)},
	{harness.Named(markers.AuthFailed), string(markers.AuthFailed)},
	{harness.Named(markers.OAuthTokenFailed), string(markers.OAuthTokenFailed)},
	{harness.Named(markers.RequestBody).WithDetail("Received 0 bytes"), "Received 0 bytes"},
	{harness.Prefixed(markers.SSEEvent), string(markers.SSEEvent)},
	{harness.Named(markers.StreamClosing), string(markers.StreamClosing)},
	{harness.Named(markers.Critical), string(markers.Critical)},
}

// handshakeStep names an interaction that is part of the handshake, or "".
func handshakeStep(in *harness.Interaction) string {
	u, err := url.Parse(in.Request.URL)
	if err != nil {
		return ""
	}
	if u.Path == "/token" {
		return "POST /token"
	}
	switch m := harness.JSONRPCMethod(in.Request.Body); m {
	case "initialize", "notifications/initialized":
		return m
	}
	return ""
}

// observe fills a cell from the replay report and the server's markers.
func observe(cell *Cell, c *harness.Cassette, rep *harness.Report, ms harness.Markers, applied []toxics.AppliedToxic) {
	cell.Report = rep
	cell.Differences = len(rep.Differences())
	cell.Findings = rep.Findings()
	for _, res := range rep.Results {
		rec := c.Interactions[res.Interaction]
		live := res.Timeline
		recEvents, liveEvents := rec.Stream.DataEvents(), live.DataEvents()
		var lag time.Duration
		for i, e := range liveEvents {
			if i < len(recEvents) {
				lag = max(lag, e.At-time.Duration(float64(recEvents[i].At)*rep.TimeScale.Factor()*pace(rep)))
			}
		}
		cell.EventsRecorded += len(recEvents)
		cell.EventsDelivered += min(len(liveEvents), len(recEvents))
		if harness.IsListenStream(rec) && cell.Listen == nil {
			cell.Listen = &StreamSummary{
				Status: live.Status, Lived: live.Lived(), End: live.Reason, Error: live.Err,
				Events: len(liveEvents), Recorded: len(recEvents),
				Comments: live.Comments(), LatestLag: lag,
			}
		}
	}
	for _, tl := range ms.ServerTimelines(harness.ServerStreamMarkers{}) {
		cell.ServerEvents += len(tl.Events)
	}
	for _, sm := range storyMarkers {
		if n := len(ms.Matching(sm.pattern)); n > 0 {
			cell.Markers = append(cell.Markers, MarkerCount{Pattern: sm.pattern, Label: sm.label, Count: n})
		}
	}
	cell.Toxics, cell.ServerMarkers = applied, ms
	rejudge(cell, c)
}

// rejudge decides the handshake, the late events and the outcome from the
// cell's findings (again, after Options.Baseline took some away).
func rejudge(cell *Cell, c *harness.Cassette) {
	cell.Handshake, cell.HandshakeDetail, cell.EventsLate = true, "", 0
	for _, f := range cell.Findings {
		if f.Breaks() && cell.Handshake {
			if step := handshakeStep(c.Interactions[f.Interaction]); step != "" {
				cell.Handshake, cell.HandshakeDetail = false, f.Diagnosis
			}
		}
	}
	cell.EventsLate = lateOn(cell.Findings, -1)
	if cell.Listen != nil {
		for i, in := range c.Interactions {
			if harness.IsListenStream(in) {
				cell.Listen.Late = lateOn(cell.Findings, i)
				break
			}
		}
	}
	decide(cell, c, cell.ServerMarkers, cell.Toxics)
}

// decide names the cell's outcome from its findings, in Outcomes order,
// and writes the diagnosis: the deciding finding's, with the field failure
// the profile's toxic reproduces and what the server's markers add.
func decide(cell *Cell, c *harness.Cassette, ms harness.Markers, applied []toxics.AppliedToxic) {
	first := func(match func(harness.Finding) bool) *harness.Finding {
		for i, f := range cell.Findings {
			if f.Breaks() && match(f) {
				return &cell.Findings[i]
			}
		}
		return nil
	}
	named := func(n harness.FindingName) func(harness.Finding) bool {
		return func(f harness.Finding) bool { return f.Name == n }
	}
	zeroBytes := len(ms.Matching("REQUEST BODY ~ Received 0 bytes"))
	serverZero := ""
	if zeroBytes > 0 {
		serverZero = fmt.Sprintf("; the server logged Received 0 bytes on %d request(s)", zeroBytes)
	}
	if f := first(named(harness.BodyNotArrived)); f != nil {
		cell.Outcome = BodyDropped
		cell.Diagnosis = fmt.Sprintf("%s%s%s (%s)", f.Diagnosis, serverZero, thenHandshake(cell, f), cite(applied, toxics.BodyDropType, "field failure 7"))
		return
	}
	// A listen stream the tunnel held is the story even when the tunnel
	// then cut it (a held, quiet stream meets the idle timeout).
	var held *harness.Finding
	for _, n := range listenHolds {
		if f := first(func(f harness.Finding) bool {
			return f.Name == n && harness.IsListenStream(c.Interactions[f.Interaction])
		}); f != nil && held == nil {
			held = f
		}
	}
	// Only a sign of holding counts: events missing from a stream that
	// was cut (API Gateway's 30 s limit) were cut, not held.
	holding := held != nil && held.Name != harness.EventsMissing && held.Name != harness.EventsLate
	resetElsewhere := func(f harness.Finding) bool {
		return f.Name == harness.StreamReset && (!holding || f.Interaction != held.Interaction)
	}
	if f := first(resetElsewhere); f != nil {
		cell.Outcome = Reset
		cell.Diagnosis = fmt.Sprintf("%s%s (%s)", f.Diagnosis, thenHandshake(cell, f), cite(applied, toxics.ResetPeerType, "field failure 15"))
		return
	}
	if !cell.Handshake {
		cell.Outcome = HandshakeFailed
		cell.Diagnosis = fmt.Sprintf("handshake failed: %s%s%s", cell.HandshakeDetail, serverZero, serverSays(ms))
		return
	}
	if f := held; f != nil {
		cell.Outcome = ListenHeld
		toxic, fallback := toxics.SSEBufferType, "field failure 2"
		if f.Name == harness.HeadersHeld {
			toxic, fallback = toxics.HeaderHoldType, "field failure 5"
		}
		cell.Diagnosis = fmt.Sprintf("%s (%s)", f.Diagnosis, cite(applied, toxic, fallback))
		if cut := first(func(r harness.Finding) bool { return r.Name == harness.StreamReset && r.Interaction == f.Interaction }); cut != nil {
			cell.Diagnosis += fmt.Sprintf("; then the tunnel cut the quiet stream, %s after it opened (%s)", ms1(cell.Listen.Lived), cite(applied, toxics.IdleCutType, "field failure 11"))
		}
		return
	}
	if f := first(named(harness.GatewayTimeout)); f != nil {
		cell.Outcome = Cut
		cell.Diagnosis = fmt.Sprintf("%s (%s)", f.Diagnosis, cite(applied, toxics.IdleCutType, "field failure 11"))
		return
	}
	if f := first(func(harness.Finding) bool { return true }); f != nil {
		cell.Outcome = Broken
		cell.Diagnosis = f.Diagnosis + serverZero
		return
	}
	cell.Outcome = OK
	cell.Diagnosis = "every exchange and event as recorded"
	l := cell.Listen
	switch cut := idleCut(applied); {
	case l != nil && cut > 0 && l.Lived > cut:
		cell.Diagnosis += fmt.Sprintf("; %d keepalive ping(s) kept the listen stream open past the %s idle cut (field failure 11)", l.Comments, ms1(cut))
	case l != nil && l.Recorded == 0 && has(applied, toxics.SSEBufferType):
		cell.Diagnosis += fmt.Sprintf("; the listen stream carried no notification, so the tunnel's buffer had nothing to hold (%s)", cite(applied, toxics.SSEBufferType, "field failure 2"))
	case dropsBodies(applied):
		cell.Diagnosis += "; every request carried Content-Length, so no body was dropped (field failure 7 needs a chunked request)"
	case l != nil && l.Status != 0 && has(applied, toxics.HeaderHoldType):
		cell.Diagnosis += "; the server's first comment released the held headers (field failure 5)"
	}
	cell.Diagnosis += serverZero
}

// listenHolds are the findings on a listen stream that mean the tunnel
// held it, the one that tells the story first (held events explain held
// headers: the buffer held both).
var listenHolds = []harness.FindingName{harness.EventsHeld, harness.NoHeaders, harness.EventsMissing, harness.HeadersHeld, harness.EventsLate}

// lateOn counts the late events the findings name on interaction i (-1:
// on every interaction).
func lateOn(fs []harness.Finding, i int) int {
	n := 0
	for _, f := range fs {
		if (i < 0 || f.Interaction == i) && (f.Name == harness.EventsHeld || f.Name == harness.EventsLate) {
			for _, e := range f.Evidence {
				if strings.HasPrefix(e, "event[") {
					n++
				}
			}
		}
	}
	return n
}

func pace(rep *harness.Report) float64 {
	if rep.Pace <= 0 {
		return 1
	}
	return rep.Pace
}

func thenHandshake(cell *Cell, f *harness.Finding) string {
	if cell.Handshake || f.Diagnosis == cell.HandshakeDetail {
		return ""
	}
	return ", so " + cell.HandshakeDetail
}

// quotedRE finds quoted values in a marker's detail (client ids, URLs):
// the table shows the reason, not the values.
var quotedRE = regexp.MustCompile(`"[^"]*"`)

// serverSays adds the server's own failure marker, the first one logged.
func serverSays(ms harness.Markers) string {
	for _, p := range []harness.Pattern{harness.Named(markers.OAuthTokenFailed), harness.Named(markers.AuthFailed), harness.Named(markers.Warning)} {
		if found := ms.Matching(p); len(found) > 0 {
			d := quotedRE.ReplaceAllString(found[0].Detail, `"…"`)
			if len(d) > 100 {
				d = d[:97] + "..."
			}
			return fmt.Sprintf("; server: %s %s", found[0].Name, d)
		}
	}
	return ""
}

// fieldNoteRE finds "field failures N" in a toxic's Why.
var fieldNoteRE = regexp.MustCompile(`field failures? \d+(, \d+)*`)

// cite names the field failure the profile's toxic of type t
// reproduces, or fallback when the profile has no such toxic.
func cite(applied []toxics.AppliedToxic, t toxics.ToxicType, fallback string) string {
	for _, a := range applied {
		if a.Type == t {
			if m := fieldNoteRE.FindString(a.Why); m != "" {
				return m
			}
		}
	}
	return fallback
}

// idleCut returns the profile's idle cut as applied (scaled), 0 if none.
func idleCut(applied []toxics.AppliedToxic) time.Duration {
	for _, a := range applied {
		if a.Type != toxics.IdleCutType {
			continue
		}
		if ms, ok := a.Attributes["timeout"].(int64); ok {
			return time.Duration(ms) * time.Millisecond
		}
	}
	return 0
}

// dropsBodies reports whether the profile empties request bodies (rather
// than re-framing them).
func dropsBodies(applied []toxics.AppliedToxic) bool {
	for _, a := range applied {
		if a.Type == toxics.BodyDropType && a.Attributes["shape"] == string(toxics.ShapeEmpty) {
			return true
		}
	}
	return false
}

func has(applied []toxics.AppliedToxic, t toxics.ToxicType) bool {
	for _, a := range applied {
		if a.Type == t {
			return true
		}
	}
	return false
}

func ms1(d time.Duration) string {
	return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
}
