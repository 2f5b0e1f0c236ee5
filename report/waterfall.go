package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
)

// The waterfall is drawn on the server, as SVG shapes placed here, so the
// page needs no script: one lane per connection, one row per exchange in
// it, on one time axis, with the server's markers in a lane of their own.
//
//	label column | 0 ──────── time ────────► | end labels
//	connection 1 | ▭▭▭▭██████ ▏id ▏id  · ·   server closed
//	             |    ◇ recorded ◇
//	server       | ▏SESSION CREATED  ▏STREAM CLOSING
const (
	labelWidth  = 330.0
	plotWidth   = 800.0
	endWidth    = 150.0
	axisHeight  = 30.0
	rowHeight   = 40.0
	laneHeader  = 8.0
	laneGap     = 10.0
	markerLevel = 13.0
	markerRows  = 4
)

// shape is one SVG element. Kind picks the element; Class its look (one of
// the classes in the page's style sheet, never from input); Title is the
// tooltip; Text a text element's content.
type shape struct {
	Kind           string // rect, line, circle, text, path
	X, Y, W, H     float64
	X2, Y2, R      float64
	Class, Anchor  string
	Text, Title, D string
}

// waterfall is the laid-out chart.
type waterfall struct {
	Width, Height float64
	Shapes        []shape
}

// layout places every exchange and marker of s.
func layout(s *Session, lateAfter time.Duration) waterfall {
	span := s.span()
	x := func(d time.Duration) float64 { return labelWidth + float64(d)/float64(span)*plotWidth }
	var w waterfall
	add := func(sh shape) { w.Shapes = append(w.Shapes, sh) }

	lanes := s.lanes()
	y := axisHeight
	cut := s.idleCut()
	for li, lane := range lanes {
		h := laneHeader + float64(len(lane.rows))*rowHeight
		add(shape{Kind: "rect", X: 0, Y: y, W: labelWidth + plotWidth + endWidth, H: h, Class: laneClass(li)})
		add(shape{Kind: "text", X: 6, Y: y + 11, Class: "lane", Text: lane.title, Title: lane.conn})
		for ri, e := range lane.rows {
			drawExchange(add, x, y+laneHeader+float64(ri)*rowHeight, e, cut, lateAfter)
		}
		y += h + laneGap
	}
	if len(s.Markers) > 0 {
		h := markerLevel*markerRows + 14
		add(shape{Kind: "rect", X: 0, Y: y, W: labelWidth + plotWidth + endWidth, H: h, Class: "lane-server"})
		add(shape{Kind: "text", X: 6, Y: y + 14, Class: "lane", Text: "server markers", Title: fmt.Sprintf("%d markers the server logged", len(s.Markers))})
		drawMarkers(add, x, y, s.Markers)
		y += h + laneGap
	}
	// The axis last, so its grid lines run over every lane.
	for _, t := range axisTicks(span) {
		add(shape{Kind: "line", X: x(t), Y: axisHeight - 6, X2: x(t), Y2: y, Class: "grid"})
		add(shape{Kind: "text", X: x(t), Y: axisHeight - 10, Class: "axis", Anchor: "middle", Text: human(t)})
	}
	w.Width, w.Height = labelWidth+plotWidth+endWidth, y
	return w
}

// drawExchange draws one row: the recorded exchange as a thin grey bar
// with hollow ticks, the live one above it (waiting for headers, then the
// body), each event a tick with its id, keepalive comments as dots, and
// the end labelled by its cause.
func drawExchange(add func(shape), x func(time.Duration) float64, y float64, e Exchange, cut, lateAfter time.Duration) {
	live := e.Live
	add(shape{Kind: "text", X: 14, Y: y + 17, Class: "name", Text: clip(e.Name, 48), Title: e.Name + "\n" + live.URL})
	add(shape{Kind: "text", X: 14, Y: y + 30, Class: "sub", Text: summary(e)})

	if r := e.Recorded; r != nil {
		// The recording is drawn from where the live request went out, so
		// each event sits beside where it was recorded; a request that
		// went out later than scheduled gets a dotted lead from its
		// scheduled start.
		open := live.Opened
		if late := open - r.Opened; late.Abs() > 0 && math.Abs(x(open)-x(r.Opened)) > 3 {
			add(shape{Kind: "line", X: x(r.Opened), Y: y + 32, X2: x(open), Y2: y + 32, Class: "sched",
				Title: fmt.Sprintf("scheduled at +%s, went out %s", human(r.Opened), lagText(late))})
		}
		add(bar(x(open), x(open+r.Closed), y+30, 4, "rec",
			fmt.Sprintf("recorded: %d, %s, %s", r.Status, human(r.Closed), r.Reason)))
	}
	open := live.Opened
	end := open + live.Closed
	cause := Cause(live, e.Recorded, cut)
	switch {
	case live.Status == 0:
		add(bar(x(open), x(end), y+12, 10, "held", "no headers for "+human(live.Closed)))
	default:
		add(bar(x(open), x(open+live.Headers), y+12, 10, "wait", "waiting for headers: "+human(live.Headers)))
		cls := "body"
		if live.Status >= 400 {
			cls = "body-err"
		}
		add(bar(x(open+live.Headers), x(end), y+12, 10, cls, fmt.Sprintf("%d %s, body for %s", live.Status, live.ContentType, human(live.Closed-live.Headers))))
	}
	endClass := "end"
	if cause.bad() {
		endClass = "end-bad"
	}
	add(shape{Kind: "text", X: x(end) + 5, Y: y + 21, Class: endClass, Text: cause.label(live), Title: fmt.Sprintf("%s after %s %s", live.Reason, human(live.Closed), live.Err)})

	var recorded []harness.StreamEvent
	if e.Recorded != nil {
		recorded = e.Recorded.DataEvents()
	}
	// Ids of events that land on top of each other (a burst released at
	// close) share one label: "1_0 1_1 1_2", or "1_0 … 1_9 (10)".
	var group []string
	groupX, groupTitle := 0.0, ""
	flush := func() {
		if len(group) == 0 {
			return
		}
		text := strings.Join(group, " ")
		if len(group) > 3 {
			text = fmt.Sprintf("%s … %s (%d)", group[0], group[len(group)-1], len(group))
		}
		add(shape{Kind: "text", X: groupX - 1, Y: y + 5, Class: "evid", Text: text, Title: groupTitle})
		group = nil
	}
	labelEnd := math.Inf(-1)
	n := 0
	for _, ev := range live.Events {
		at := x(open + ev.At)
		if ev.Comment {
			add(shape{Kind: "circle", X: at, Y: y + 17, R: 2.5, Class: "ping", Title: "keepalive comment at +" + human(ev.At)})
			continue
		}
		title := fmt.Sprintf("event %s id=%q at +%s", ev.Event, ev.ID, human(ev.At))
		cls := "ev"
		if n < len(recorded) {
			r := recorded[n]
			rx := x(open + r.At)
			lag := ev.At - r.At
			title += fmt.Sprintf(", recorded at +%s (%s)", human(r.At), lagText(lag))
			if lag > lateAfter {
				cls = "ev-late"
			}
			add(shape{Kind: "line", X: rx, Y: y + 32, X2: at, Y2: y + 23, Class: "lag-" + cls})
		}
		add(shape{Kind: "line", X: at, Y: y + 6, X2: at, Y2: y + 25, Class: cls, Title: title})
		label := eventLabel(ev, n)
		if at > labelEnd {
			flush()
			groupX, groupTitle = at, ""
		}
		group = append(group, label)
		groupTitle = strings.TrimPrefix(groupTitle+"\n"+title, "\n")
		labelEnd = max(labelEnd, at+float64(len(strings.Join(group, " ")))*5.6+6)
		n++
	}
	flush()
	for i, r := range recorded {
		at := x(open + r.At)
		title := fmt.Sprintf("recorded event %d id=%q at +%s", i, r.ID, human(r.At))
		if i >= n {
			title += ": never arrived live"
		}
		add(shape{Kind: "path", D: diamond(at, y+33), Class: missingClass(i >= n), Title: title})
	}
}

// drawMarkers puts each marker as a tick on the axis, its name on the
// first of markerRows levels where it does not overlap the one before.
func drawMarkers(add func(shape), x func(time.Duration) float64, y float64, ms []Marker) {
	free := make([]float64, markerRows)
	for i := range free {
		free[i] = math.Inf(-1)
	}
	for _, m := range ms {
		at := x(m.At)
		title := fmt.Sprintf("+%s %s %s", human(m.At), m.Name, m.Detail)
		add(shape{Kind: "line", X: at, Y: y + 2, X2: at, Y2: y + markerLevel*markerRows + 12, Class: markerClass(m.Name), Title: title})
		label := clip(m.Name, 26)
		for lvl := range free {
			if at >= free[lvl] {
				add(shape{Kind: "text", X: at + 2, Y: y + 12 + markerLevel*float64(lvl), Class: "mk", Text: label, Title: title})
				free[lvl] = at + float64(len(label))*5.2 + 6
				break
			}
		}
	}
}

// lane is one connection and the exchanges that went over it.
type lane struct {
	title, conn string
	rows        []Exchange
}

// lanes groups the exchanges by connection (an exchange whose connection
// is unknown gets a lane of its own), in the order they were first used.
func (s *Session) lanes() []lane {
	exs := append([]Exchange(nil), s.Exchanges...)
	sort.SliceStable(exs, func(i, j int) bool { return exs[i].Live.Opened < exs[j].Live.Opened })
	var out []lane
	byConn := map[string]int{}
	for _, e := range exs {
		if i, ok := byConn[e.Live.Conn]; ok && e.Live.Conn != "" {
			out[i].rows = append(out[i].rows, e)
			continue
		}
		byConn[e.Live.Conn] = len(out)
		out = append(out, lane{conn: e.Live.Conn, rows: []Exchange{e}})
	}
	for i := range out {
		out[i].title = fmt.Sprintf("connection %d", i+1)
		if out[i].conn == "" {
			out[i].conn = "connection not known: one lane per exchange"
		} else {
			out[i].conn = "client end " + out[i].conn
		}
	}
	return out
}

// span is the time the axis covers: the last thing that happened, live,
// recorded or logged, with a margin.
func (s *Session) span() time.Duration {
	var last time.Duration
	for _, e := range s.Exchanges {
		last = max(last, e.Live.Opened+e.Live.Closed)
		if r := e.Recorded; r != nil {
			last = max(last, e.Live.Opened+r.Closed)
		}
	}
	for _, m := range s.Markers {
		last = max(last, m.At)
	}
	if last <= 0 {
		return time.Millisecond
	}
	return last + last/50
}

// axisTicks returns 5 to 10 round offsets from 0 to span.
func axisTicks(span time.Duration) []time.Duration {
	steps := []time.Duration{}
	for unit := time.Microsecond; unit <= time.Hour; unit *= 10 {
		steps = append(steps, unit, 2*unit, 5*unit)
	}
	step := steps[len(steps)-1]
	for _, st := range steps {
		if span/st <= 8 {
			step = st
			break
		}
	}
	var out []time.Duration
	for t := time.Duration(0); t <= span; t += step {
		out = append(out, t)
	}
	return out
}

func bar(x1, x2, y, h float64, class, title string) shape {
	return shape{Kind: "rect", X: x1, Y: y, W: max(x2-x1, 2), H: h, Class: class, Title: title}
}

func diamond(x, y float64) string {
	return fmt.Sprintf("M%.1f %.1fl3.5 3.5l-3.5 3.5l-3.5 -3.5z", x, y-3.5)
}

func missingClass(missing bool) string {
	if missing {
		return "rev-missing"
	}
	return "rev"
}

func laneClass(i int) string {
	if i%2 == 0 {
		return "lane-a"
	}
	return "lane-b"
}

// markerClass colours the markers that tell a failure.
func markerClass(name string) string {
	switch name {
	case "CRITICAL", "WARNING", "AUTH FAILED", "OAUTH TOKEN FAILED", "ERROR":
		return "mk-bad"
	}
	return "mk-tick"
}

// eventLabel is the text beside an event's tick: its id, else its number.
func eventLabel(ev harness.StreamEvent, n int) string {
	if placeholderRE.MatchString(ev.ID) {
		// __EVENT_ID_3__ reads as ID_3.
		parts := strings.Split(strings.Trim(ev.ID, "_"), "_")
		return "ID_" + parts[len(parts)-1]
	}
	if r := []rune(ev.ID); len(r) > 10 {
		// Ids share a stream prefix; the tail tells them apart.
		return "…" + string(r[len(r)-7:])
	} else if ev.ID != "" {
		return ev.ID
	}
	return fmt.Sprintf("#%d", n)
}

// summary is the second line of a row's label: "200 · 12 ms · 2/2 events · 3 pings".
func summary(e Exchange) string {
	live := e.Live
	s := "no response"
	if live.Status != 0 {
		s = fmt.Sprintf("%d", live.Status)
	}
	if e.Recorded != nil && e.Recorded.Status != live.Status {
		s += fmt.Sprintf(" (recorded %d)", e.Recorded.Status)
	}
	s += " · " + human(live.Closed)
	ev := len(live.DataEvents())
	if e.Recorded != nil && len(e.Recorded.DataEvents()) > 0 {
		s += fmt.Sprintf(" · %d/%d events", ev, len(e.Recorded.DataEvents()))
	} else if ev > 0 {
		s += fmt.Sprintf(" · %d events", ev)
	}
	if c := live.Comments(); c > 0 {
		s += fmt.Sprintf(" · %d pings", c)
	}
	return s
}

// human prints a duration the way people read one: "0", "850 µs", "12.5 ms", "4.9 s".
func human(d time.Duration) string {
	switch a := d.Abs(); {
	case a == 0:
		return "0"
	case a < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case a < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case a < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case a < time.Minute:
		return trimZero(fmt.Sprintf("%.2f", d.Seconds())) + " s"
	}
	return d.Round(time.Second).String()
}

func trimZero(s string) string {
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func lagText(d time.Duration) string {
	if d >= 0 {
		return human(d) + " late"
	}
	return human(-d) + " early"
}

// clip shortens s to n runes, with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
