package report

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"time"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the format
// browsers' network tools import. One entry per exchange. HAR has no
// place for server-sent events, so each stream's events go in a custom
// field (the spec allows fields starting with "_"), as Chrome exports a
// WebSocket's frames under "_webSocketMessages":
//
//	"_sseEvents": [{"time": 812.4, "recordedTime": 10.1, "id": "0_1", "event": "message"},
//	               {"time": 1500.2, "comment": true}]
//
// time and recordedTime are milliseconds from the entry's startedDateTime
// (recordedTime on the live clock: the recording's offset times the time
// scale). What the exchange carried stays as the session has it: the
// recorded request with its placeholders (__ACCESS_TOKEN_1__), never a
// live secret.

type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Pages   []harPage  `json:"pages"`
	Entries []harEntry `json:"entries"`
	Comment string     `json:"comment,omitempty"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harPage struct {
	StartedDateTime string         `json:"startedDateTime"`
	ID              string         `json:"id"`
	Title           string         `json:"title"`
	PageTimings     harPageTimings `json:"pageTimings"`
}

type harPageTimings struct {
	OnContentLoad float64 `json:"onContentLoad"`
	OnLoad        float64 `json:"onLoad"`
}

type harEntry struct {
	PageRef         string        `json:"pageref"`
	StartedDateTime string        `json:"startedDateTime"`
	Time            float64       `json:"time"`
	Request         harRequest    `json:"request"`
	Response        harResponse   `json:"response"`
	Cache           struct{}      `json:"cache"`
	Timings         harTimings    `json:"timings"`
	Connection      string        `json:"connection,omitempty"`
	Comment         string        `json:"comment,omitempty"`
	SSEEvents       []harSSEEvent `json:"_sseEvents,omitempty"`
	EndCause        string        `json:"_endCause"`
	Recorded        *harRecorded  `json:"_recorded,omitempty"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harNameVal `json:"cookies"`
	Headers     []harNameVal `json:"headers"`
	QueryString []harNameVal `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int64        `json:"headersSize"`
	BodySize    int64        `json:"bodySize"`
}

type harResponse struct {
	Status      int          `json:"status"`
	StatusText  string       `json:"statusText"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harNameVal `json:"cookies"`
	Headers     []harNameVal `json:"headers"`
	Content     harContent   `json:"content"`
	RedirectURL string       `json:"redirectURL"`
	HeadersSize int64        `json:"headersSize"`
	BodySize    int64        `json:"bodySize"`
	Comment     string       `json:"comment,omitempty"`
}

type harNameVal struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harContent struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// harTimings: blocked, dns and connect are not measured (-1, as the spec
// says for "does not apply"); send is 0 (the request is written at once);
// wait is the time to headers; receive the rest of the stream.
type harTimings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	SSL     float64 `json:"ssl"`
}

type harSSEEvent struct {
	Time         float64  `json:"time"`
	RecordedTime *float64 `json:"recordedTime,omitempty"`
	ID           string   `json:"id,omitempty"`
	Event        string   `json:"event,omitempty"`
	Comment      bool     `json:"comment,omitempty"`
}

type harRecorded struct {
	Status  int     `json:"status"`
	Started float64 `json:"startedOffset"`
	Time    float64 `json:"time"`
	End     string  `json:"end"`
}

// Version is the creator version HAR files name; the CLI sets it.
var Version = "dev"

// WriteHAR writes s as a HAR 1.2 log: one page (the session), one entry
// per exchange in the order sent, streams with every event's timing.
func WriteHAR(w io.Writer, s *Session) error {
	return writeHAR(w, s.Source, []harSession{{id: "session", s: s}})
}

// WriteCheckHAR writes every session of a check as one HAR 1.2 log, a
// page per cell (its id the cell's anchor in the HTML report).
func WriteCheckHAR(w io.Writer, c *Check) error {
	var ss []harSession
	for _, cell := range c.Cells {
		if cell.Session != nil {
			ss = append(ss, harSession{id: anchorFor(cell.Row, cell.Column), s: cell.Session})
		}
	}
	return writeHAR(w, c.Title, ss)
}

type harSession struct {
	id string
	s  *Session
}

func writeHAR(w io.Writer, comment string, sessions []harSession) error {
	log := harLog{
		Version: "1.2",
		Creator: harCreator{Name: "mcpvcr", Version: Version},
		Pages:   []harPage{},
		Entries: []harEntry{},
		Comment: comment,
	}
	for _, hs := range sessions {
		s := hs.s
		start := s.Start
		if start.IsZero() {
			// HAR needs absolute times; an unknown start reads as the
			// epoch, offsets intact.
			start = time.Unix(0, 0).UTC()
		}
		var last time.Duration
		cut := s.idleCut()
		exs := append([]Exchange(nil), s.Exchanges...)
		sort.SliceStable(exs, func(i, j int) bool { return exs[i].Live.Opened < exs[j].Live.Opened })
		for _, e := range exs {
			entry := harEntryOf(e, start, cut)
			entry.PageRef = hs.id
			log.Entries = append(log.Entries, entry)
			last = max(last, e.Live.Opened+e.Live.Closed)
		}
		log.Pages = append(log.Pages, harPage{StartedDateTime: isoTime(start), ID: hs.id, Title: s.Title,
			PageTimings: harPageTimings{OnContentLoad: -1, OnLoad: msf(last)}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(harFile{Log: log})
}

func harEntryOf(e Exchange, start time.Time, cut time.Duration) harEntry {
	live := e.Live
	wait, receive := live.Headers, live.Closed-live.Headers
	if live.Status == 0 {
		wait, receive = live.Closed, 0
	}
	ct := live.ContentType
	entry := harEntry{
		StartedDateTime: isoTime(start.Add(live.Opened)),
		Time:            msf(wait) + msf(receive),
		Request: harRequest{
			Method: e.Live.Method, URL: live.URL, HTTPVersion: "HTTP/1.1",
			Cookies: []harNameVal{}, Headers: nameVals(e.RequestHeader), QueryString: query(live.URL),
			HeadersSize: -1, BodySize: int64(len(e.RequestBody)),
		},
		Response: harResponse{
			Status: live.Status, StatusText: http.StatusText(live.Status), HTTPVersion: "HTTP/1.1",
			Cookies: []harNameVal{}, Headers: nameVals(e.ResponseHeader),
			Content:     harContent{Size: live.Bytes, MimeType: ct, Text: e.ResponseBody},
			RedirectURL: e.ResponseHeader.Get("Location"), HeadersSize: -1, BodySize: live.Bytes,
		},
		Timings:    harTimings{Blocked: -1, DNS: -1, Connect: -1, Send: 0, Wait: msf(wait), Receive: msf(receive), SSL: -1},
		Connection: live.Conn,
		Comment:    e.Name,
		EndCause:   Cause(live, e.Recorded, cut).label(live),
	}
	if entry.Request.Method == "" {
		entry.Request.Method = "GET"
	}
	if e.ResponseBody == "" && live.Bytes > 0 {
		entry.Response.Content.Comment = "body not kept by the replay; the recorded one is in the cassette"
	}
	if e.RequestBody != "" {
		entry.Request.PostData = &harPostData{MimeType: e.RequestHeader.Get("Content-Type"), Text: e.RequestBody}
	}
	var recorded []time.Duration
	if r := e.Recorded; r != nil {
		entry.Recorded = &harRecorded{Status: r.Status, Started: msf(r.Opened), Time: msf(r.Closed), End: string(r.Reason)}
		for _, ev := range r.DataEvents() {
			// From the live start, as the live events are.
			recorded = append(recorded, ev.At)
		}
	}
	n := 0
	for _, ev := range live.Events {
		he := harSSEEvent{Time: msf(ev.At), ID: ev.ID, Event: ev.Event, Comment: ev.Comment}
		if !ev.Comment {
			if n < len(recorded) {
				v := msf(recorded[n])
				he.RecordedTime = &v
			}
			n++
		}
		entry.SSEEvents = append(entry.SSEEvents, he)
	}
	return entry
}

// nameVals lists headers (or query parameters) as HAR wants them: one
// pair per value, sorted by name.
func nameVals(h http.Header) []harNameVal {
	out := []harNameVal{}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, harNameVal{Name: k, Value: v})
		}
	}
	return out
}

func query(raw string) []harNameVal {
	u, err := url.Parse(raw)
	if err != nil {
		return []harNameVal{}
	}
	// url.Values and http.Header are both map[string][]string.
	return nameVals(http.Header(u.Query()))
}

func isoTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000Z07:00") }

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
