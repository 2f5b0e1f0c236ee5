package matrix

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// Outcome is what a tunnel did to a replayed session, in one word: the
// value written down per (fixture, profile) in fixtures/expectations.txt.
type Outcome string

// The outcomes, in the order they are decided: the first that applies
// names the cell (a dropped body also fails the handshake, but the body is
// the story).
const (
	// BodyDropped: the server logged "REQUEST BODY === Received 0 bytes".
	BodyDropped Outcome = "body-dropped"
	// Reset: a connection was reset under an exchange (TCP RST).
	Reset Outcome = "reset"
	// HandshakeFailed: the token exchange, initialize or
	// notifications/initialized did not answer as recorded.
	HandshakeFailed Outcome = "handshake-failed"
	// ListenHeld: the GET listen stream's events were held by the tunnel:
	// they came late (when the stream closed) or never, with or without
	// the headers. One outcome for all three, because which one a run
	// shows is a race between the buffer's release and the client's
	// patience (Grace), not a property of the tunnel.
	ListenHeld Outcome = "listen-held"
	// Cut: a response was replaced by a gateway timeout (524, 504).
	Cut Outcome = "cut"
	// OK: every exchange and every event as recorded.
	OK Outcome = "ok"
)

// Outcomes lists every outcome, in decision order.
var Outcomes = []Outcome{BodyDropped, Reset, HandshakeFailed, ListenHeld, Cut, OK}

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
	Differences int    `json:"differences"`
	Diagnosis   string `json:"diagnosis"`
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
	{"SESSION CREATED", "SESSION CREATED"},
	{"AUTH FAILED", "AUTH FAILED"},
	{"OAUTH TOKEN FAILED", "OAUTH TOKEN FAILED"},
	{"REQUEST BODY ~ Received 0 bytes", "Received 0 bytes"},
	{"SSE EVENT*", "SSE EVENT"},
	{"STREAM CLOSING", "STREAM CLOSING"},
	{"CRITICAL", "CRITICAL"},
}

// gatewayTimeouts are the statuses an idle cut answers with.
var gatewayTimeouts = map[int]bool{504: true, 524: true}

// jsonRPCMethod returns the method of a JSON-RPC request body, or "".
func jsonRPCMethod(body string) string {
	var msg struct {
		Method string `json:"method"`
	}
	if json.Unmarshal([]byte(body), &msg) != nil {
		return ""
	}
	return msg.Method
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
	switch m := jsonRPCMethod(in.Request.Body); m {
	case "initialize", "notifications/initialized":
		return m
	}
	return ""
}

// isListen reports whether an interaction is the GET listen stream.
func isListen(in *harness.Interaction) bool {
	return in.Request.Method == "GET" && strings.HasPrefix(in.Response.Headers.Get("Content-Type"), "text/event-stream")
}

func isResetErr(tl harness.Timeline) bool {
	return strings.Contains(tl.Err, "connection reset")
}

// observe fills a cell from the replay report and the server's markers.
func observe(cell *Cell, c *harness.Cassette, rep *harness.Report, ms harness.Markers, applied []toxics.AppliedToxic, opts Options) {
	cell.Report = rep
	cell.Differences = len(rep.Differences())
	cell.Handshake = true
	resets, cuts := 0, 0
	for _, res := range rep.Results {
		rec := c.Interactions[res.Interaction]
		live := res.Timeline
		if isResetErr(live) {
			resets++
		}
		if gatewayTimeouts[live.Status] && !gatewayTimeouts[rec.Response.Code] {
			cuts++
		}
		if step := handshakeStep(rec); step != "" && cell.Handshake && (live.Status != rec.Response.Code || live.Err != "") {
			cell.Handshake = false
			got := fmt.Sprintf("%d", live.Status)
			if live.Status == 0 {
				got = "no response (" + string(live.Reason) + ")"
			}
			cell.HandshakeDetail = fmt.Sprintf("%s got %s, recorded %d", step, got, rec.Response.Code)
		}
		recEvents := rec.Stream.DataEvents()
		liveEvents := live.DataEvents()
		late := 0
		var lag time.Duration
		for i, e := range liveEvents {
			if i < len(recEvents) {
				d := e.At - time.Duration(float64(recEvents[i].At)*rep.TimeScale)
				if d > opts.LateAfter {
					late++
				}
				lag = max(lag, d)
			}
		}
		cell.EventsRecorded += len(recEvents)
		cell.EventsDelivered += min(len(liveEvents), len(recEvents))
		cell.EventsLate += late
		if isListen(rec) && cell.Listen == nil {
			cell.Listen = &StreamSummary{
				Status: live.Status, Lived: live.Lived(), End: live.Reason, Error: live.Err,
				Events: len(liveEvents), Recorded: len(recEvents), Late: late,
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
	dropped := len(ms.Matching("REQUEST BODY ~ Received 0 bytes"))
	l := cell.Listen
	switch {
	case dropped > 0:
		cell.Outcome = BodyDropped
		cell.Diagnosis = fmt.Sprintf("request body dropped by the tunnel: the server logged Received 0 bytes on %d request(s)%s (%s)",
			dropped, thenHandshake(cell), cite(applied, toxics.BodyDropType, "field failure 7"))
	case resets > 0:
		cell.Outcome = Reset
		cell.Diagnosis = fmt.Sprintf("connection reset under %d exchange(s)%s (%s)", resets, thenHandshake(cell), cite(applied, toxics.ResetPeerType, "field failure 15"))
	case !cell.Handshake:
		cell.Outcome = HandshakeFailed
		cell.Diagnosis = fmt.Sprintf("handshake failed: %s%s", cell.HandshakeDetail, serverSays(ms))
	case l != nil && l.Status == 0:
		cell.Outcome = ListenHeld
		what := "nothing the server sent on it arrived"
		if l.Recorded > 0 {
			what = fmt.Sprintf("%d recorded notification(s) never arrived", l.Recorded)
		}
		cell.Diagnosis = fmt.Sprintf("GET listen stream held by the tunnel: no headers in %s, %s (%s)",
			ms1(l.Lived), what, cite(applied, toxics.SSEBufferType, "field failure 2"))
	case l != nil && (l.Late > 0 || l.Events < l.Recorded):
		cell.Outcome = ListenHeld
		if l.Events < l.Recorded {
			cell.Diagnosis = fmt.Sprintf("GET listen stream buffered by the tunnel: %d of %d notification(s) never arrived (%s)",
				l.Recorded-l.Events, l.Recorded, cite(applied, toxics.SSEBufferType, "field failure 2"))
		} else {
			cell.Diagnosis = fmt.Sprintf("GET listen stream buffered by the tunnel: notifications arrived only when it closed, %s late (%s)",
				ms1(l.LatestLag), cite(applied, toxics.SSEBufferType, "field failure 4"))
		}
	case cuts > 0:
		cell.Outcome = Cut
		cell.Diagnosis = fmt.Sprintf("%d response(s) cut by the tunnel's idle timeout (%s)", cuts, cite(applied, toxics.IdleCutType, "field failure 11"))
	default:
		cell.Outcome = OK
		cell.Diagnosis = "every exchange and event as recorded"
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
	}
}

func thenHandshake(cell *Cell) string {
	if cell.Handshake {
		return ""
	}
	return ", so " + cell.HandshakeDetail
}

// quotedRE finds quoted values in a marker's detail (client ids, URLs):
// the table shows the reason, not the values.
var quotedRE = regexp.MustCompile(`"[^"]*"`)

// serverSays adds the server's own failure marker, the first one logged.
func serverSays(ms harness.Markers) string {
	for _, p := range []harness.Pattern{"OAUTH TOKEN FAILED", "AUTH FAILED", "WARNING"} {
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
