package harness

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// TunnelFunc puts something between the replayer and the target, such as a
// toxiproxy tunnel profile:
//
//	replayer > tunnel(toxics) > target
//
// It returns the URL the replayer should send to instead of target, and a
// function that tears the tunnel down. A nil TunnelFunc means direct.
type TunnelFunc func(ctx context.Context, target *url.URL) (through *url.URL, closeTunnel func() error, err error)

// ReplayOptions configures a replay. Nil means defaults.
//
// One clock: TimeScale is the world's time scale, the same factor the
// tunnel (toxics.TunnelOptions.Scale) and the server's keepalive use. The
// recorded offsets are world time too (the recorded client's pauses race
// the tunnel's idle cuts like everything else), so they are multiplied by
// TimeScale, and by Pace on top. Every wait and tolerance derives from
// Grace, which a caller with a simulated world sets with WorldGrace, so a
// verdict does not change with the scale.
type ReplayOptions struct {
	// TimeScale is the world time scale: 0.01 replays a recorded 2 s gap
	// as 20 ms, as the tunnel runs a 100 s idle cut as 1 s. 0 means 1.
	TimeScale timescale.Scale
	// Pace multiplies the recorded offsets on top of TimeScale (2 = half
	// speed), for replaying slower or faster than the world. 0 means 1.
	Pace float64
	// Tunnel, if set, wraps the target (see TunnelFunc).
	Tunnel TunnelFunc
	// Transport sends the requests; nil means a clone of
	// http.DefaultTransport. Redirects are never followed: the recorded
	// client saw the 302 itself.
	Transport http.RoundTripper
	// IgnoreKeys are JSON keys whose values are not compared (their type
	// is), on top of the defaults (times, issued-at).
	IgnoreKeys []string
	// Allow lists Where prefixes ("header Www-Authenticate", "body.result.serverInfo")
	// whose differences are reported as allowed instead of failing.
	Allow []string
	// AllowFindings lists finding names reported as allowed instead of
	// failing (--allow NAME).
	AllowFindings []FindingName
	// Grace is the client's patience, in real time: how long the replayer
	// waits past a recorded offset for a binding, a missing event or the
	// end of a stream before reporting it. 0 means 5 s; with a simulated
	// world use WorldGrace(scale), longer than every idle cut. A binding
	// is not waited for once the interaction whose recorded response gave
	// it has ended live without it: it will not come.
	Grace time.Duration
	// HeaderWait bounds how long a request waits for the headers of a
	// stream that was open, headers in, when the request was recorded
	// (the client may have waited for the listen stream before going on).
	// Past it the request goes anyway, so a tunnel that holds a stream's
	// headers holds the rest of the session only this long. 0 means
	// Grace/10 (0.5 s of the default Grace; 30 s of world time with
	// WorldGrace, below every idle cut, so holding a session never causes
	// a cut that the world would not have).
	HeaderWait time.Duration
	// Progress, if set, is called (serially) each time an interaction is
	// sent or finishes, for a progress line.
	Progress func(ReplayProgress)
	// LateAfter is how much later than its scaled recorded offset a
	// header or an event may arrive before it is a finding. 0 means
	// Grace/4. A request that came after events on an open stream waits
	// for them at most Grace/2, so a buffer that releases them when that
	// request ends the stream delays them by about Grace/2: late.
	LateAfter time.Duration
}

// Defaults of the world clock.
const (
	// DefaultWorldGrace is the client's patience in world time: longer
	// than every profile's idle cut (60 s, 100 s), so a stream a tunnel
	// would cut is cut before the client gives up, at any scale (3 s at
	// time scale 0.01, 30 s at 0.1).
	DefaultWorldGrace = 300 * time.Second
	// MinGrace is the least patience in real time: its quarter (LateAfter)
	// must stay above what a loaded machine delays a live answer by (0.76 s
	// measured at load average 12 on 2 cores).
	MinGrace = 3 * time.Second
)

// WorldGrace is the Grace for a world at time scale scale:
// DefaultWorldGrace scaled, at least MinGrace. Every wait and tolerance of
// a replay derives from it, so their order against the world's timeouts
// (idle cuts, keepalives) is the same at every scale.
func WorldGrace(scale timescale.Scale) time.Duration {
	return max(MinGrace, time.Duration(float64(DefaultWorldGrace)*scale.Factor()))
}

// Replayer replays a cassette against a live server.
type Replayer struct {
	c    *Cassette
	opts ReplayOptions
}

// NewReplayer returns a Replayer for c.
func NewReplayer(c *Cassette, opts *ReplayOptions) *Replayer {
	r := &Replayer{c: c}
	if opts != nil {
		r.opts = *opts
	}
	if r.opts.TimeScale <= 0 {
		r.opts.TimeScale = 1
	}
	if r.opts.Pace <= 0 {
		r.opts.Pace = 1
	}
	if r.opts.Grace <= 0 {
		r.opts.Grace = 5 * time.Second
	}
	if r.opts.HeaderWait <= 0 {
		r.opts.HeaderWait = r.opts.Grace / 10
	}
	if r.opts.LateAfter <= 0 {
		r.opts.LateAfter = r.opts.Grace / 4
	}
	return r
}

// Replay is NewReplayer(c, opts).Replay(ctx, target).
func Replay(ctx context.Context, c *Cassette, target string, opts *ReplayOptions) (*Report, error) {
	return NewReplayer(c, opts).Replay(ctx, target)
}

// Report is the outcome of one replay.
type Report struct {
	// Start is when the replay began: every Started and timeline Opened
	// is an offset from it, so server markers (wall clock) line up.
	Start     time.Time       `json:"start"`
	Target    string          `json:"target"`
	Through   string          `json:"through,omitempty"`
	TimeScale timescale.Scale `json:"timescale"`
	Pace      float64         `json:"pace"`
	// LateAfter is the lateness from which an event was a finding
	// (ReplayOptions.LateAfter as applied), so a report draws the same.
	LateAfter time.Duration `json:"late_after_ns"`
	Results   []Result      `json:"results"`
}

// Result is one replayed interaction.
type Result struct {
	Interaction int    `json:"interaction"`
	Request     string `json:"request"`
	// Scheduled is the recorded start offset times the time scale; Started
	// is when the request actually went out, both from the replay's start.
	Scheduled   time.Duration `json:"scheduled_ns"`
	Started     time.Duration `json:"started_ns"`
	Timeline    Timeline      `json:"timeline"`
	Differences []Difference  `json:"differences,omitempty"`
	// Findings are what the client saw go wrong in this exchange.
	Findings []Finding `json:"findings,omitempty"`

	liveBody string // a non-stream body as received, for findings
	// liveAnswered: the live event stream carried the JSON-RPC answer to
	// the request (for findings).
	liveAnswered bool
	liveHeader   http.Header // the live response headers
}

// Differences returns every difference, allowed or not.
func (r *Report) Differences() []Difference {
	return gather(r.Results, func(res Result) []Difference { return res.Differences })
}

// Failures returns the differences that fail the replay: neither allowed
// nor added (a field only the live response has).
func (r *Report) Failures() []Difference { return keep(r.Differences(), Difference.Fails) }

// OK reports whether the replay matched the recording: no difference and
// no finding that is not allowed.
func (r *Report) OK() bool { return len(r.Failures()) == 0 && len(r.Breaking()) == 0 }

// Findings returns every finding, allowed or not, in interaction order.
func (r *Report) Findings() []Finding {
	return gather(r.Results, func(res Result) []Finding { return res.Findings })
}

// Breaking returns the findings that break the session and are not
// allowed: a replay with any exits 1.
func (r *Report) Breaking() []Finding { return keep(r.Findings(), Finding.Breaks) }

// Has reports whether a finding named name was reported.
func (r *Report) Has(name FindingName) bool {
	for _, f := range r.Findings() {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Timelines returns the live timeline of every interaction.
func (r *Report) Timelines() []Timeline {
	return each(r.Results, func(res Result) Timeline { return res.Timeline })
}

// WriteText writes one line per interaction and one per difference.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "replay of %d interactions against %s", len(r.Results), r.Target)
	if r.Through != "" {
		fmt.Fprintf(w, " through %s", r.Through)
	}
	fmt.Fprintf(w, " (timescale %g, pace %g)\n", r.TimeScale, r.Pace)
	for _, res := range r.Results {
		mark := "ok  "
		for _, d := range res.Differences {
			if d.Fails() {
				mark = "DIFF"
				break
			}
		}
		fmt.Fprintf(w, "%s #%-3d %-40s %3d %-18s scheduled %8s started %8s lived %8s %s\n", mark, res.Interaction, clip(res.Request),
			res.Timeline.Status, mediaType(res.Timeline.ContentType), ms(res.Scheduled), ms(res.Started), ms(res.Timeline.Closed), res.Timeline.Reason)
		for _, d := range res.Differences {
			fmt.Fprintf(w, "       %s\n", d)
		}
	}
	all, added := r.Differences(), 0
	for _, d := range all {
		if d.Added {
			added++
		}
	}
	fmt.Fprintf(w, "%d differences (%d not allowed)", len(all)-added, len(r.Failures()))
	if added > 0 {
		fmt.Fprintf(w, ", %d field(s) only in the live response (%s)", added, FieldAdded)
	}
	fmt.Fprintln(w)
	WriteFindings(w, r.Findings())
}

// Replay sends the recorded requests to target (scheme://host[:port]; a
// path is ignored, the recording's paths are used) with the recorded
// concurrency and scaled timing, filling placeholders from live responses,
// and compares every response with the recording. The error is for a
// replay that could not run at all; differences are in the Report.
func (r *Replayer) Replay(ctx context.Context, target string) (*Report, error) {
	tu, err := url.Parse(target)
	if err != nil || (tu.Scheme != "http" && tu.Scheme != "https") || tu.Host == "" {
		return nil, fmt.Errorf("replay target %q: want http://host:port", target)
	}
	targetOrigin := tu.Scheme + "://" + tu.Host
	public := targetOrigin
	rep := &Report{Target: targetOrigin, TimeScale: r.opts.TimeScale, Pace: r.opts.Pace, LateAfter: r.opts.LateAfter}
	if r.opts.Tunnel != nil {
		through, closeTunnel, err := r.opts.Tunnel(ctx, &url.URL{Scheme: tu.Scheme, Host: tu.Host})
		if err != nil {
			return nil, fmt.Errorf("opening tunnel: %w", err)
		}
		if closeTunnel != nil {
			defer closeTunnel()
		}
		public = through.Scheme + "://" + through.Host
		rep.Through = public
	}
	transport := r.opts.Transport
	if transport == nil {
		own := http.DefaultTransport.(*http.Transport).Clone()
		defer own.CloseIdleConnections()
		transport = own
	}
	run := &replayRun{
		r: r, c: r.c, b: newBindings(), transport: transport,
		recOrigin: r.c.Provenance.Origin, public: public, target: targetOrigin,
		start: time.Now(),
	}
	rep.Start = run.start
	for i, in := range r.c.Interactions {
		run.b.produces(i, placeholdersIn(in.Response.Body, headerText(in.Response.Headers)))
	}
	if run.recOrigin == "" && len(r.c.Interactions) > 0 {
		if u, err := url.Parse(r.c.Interactions[0].Request.URL); err == nil {
			run.recOrigin = u.Scheme + "://" + u.Host
		}
	}
	if err := confineToOrigin(r.c, run.recOrigin); err != nil {
		return nil, err
	}
	run.ignore = map[string]bool{}
	for _, k := range append(append([]string(nil), defaultIgnoredKeys...), r.opts.IgnoreKeys...) {
		run.ignore[k] = true
	}
	n := len(r.c.Interactions)
	run.done = make([]chan struct{}, n)
	run.live = make([]*liveState, n)
	for i := range run.done {
		run.done[i] = make(chan struct{})
		run.live[i] = &liveState{changed: make(chan struct{})}
	}
	rep.Results = make([]Result, n)
	run.progress = newProgressCounter(n, r.opts.Progress)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(run.done[i])
			rep.Results[i] = run.one(ctx, i)
			run.progress.finish(i)
			l := run.live[i]
			l.mu.Lock()
			l.ended = time.Now()
			l.mu.Unlock()
		}()
	}
	wg.Wait()
	r.judge(rep)
	return rep, ctx.Err()
}

// Judge sets the findings of every result of rep, a replay of c, with the
// tolerances opts gives (nil means defaults) on rep's clock (its TimeScale
// and Pace). Replay calls it; call it to judge a report read back from
// JSON or built by hand.
func Judge(c *Cassette, rep *Report, opts *ReplayOptions) {
	o := ReplayOptions{}
	if opts != nil {
		o = *opts
	}
	o.TimeScale, o.Pace = rep.TimeScale, rep.Pace
	NewReplayer(c, &o).judge(rep)
}

// judge adds every exchange's findings to the report, marking the allowed.
func (r *Replayer) judge(rep *Report) {
	rules := findingRules{
		scaled:    r.scaled,
		world:     r.opts.TimeScale.Scale,
		lateAfter: r.opts.LateAfter,
		burst:     r.opts.Grace / 8,
	}
	allowed := map[FindingName]bool{}
	for _, n := range r.opts.AllowFindings {
		allowed[n] = true
	}
	for i := range rep.Results {
		if i >= len(r.c.Interactions) {
			break
		}
		fs := rules.check(r.c, i, rep.Results)
		for k := range fs {
			fs[k].Allowed = allowed[fs[k].Name]
		}
		rep.Results[i].Findings = fs
	}
}

type replayRun struct {
	r         *Replayer
	c         *Cassette
	b         *bindings
	transport http.RoundTripper
	ignore    map[string]bool
	recOrigin string
	public    string
	target    string
	start     time.Time
	done      []chan struct{}
	live      []*liveState
	progress  *progressCounter
}

// liveState is what later interactions may wait on: when this one ended
// and when each of its SSE data events arrived.
type liveState struct {
	mu      sync.Mutex
	headers time.Time // zero until the response headers arrived
	events  []time.Time
	ended   time.Time
	changed chan struct{}
}

func (l *liveState) event(at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, at)
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *liveState) gotHeaders(at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.headers = at
	close(l.changed)
	l.changed = make(chan struct{})
}

// waitTurn holds interaction i until what came before it in the recording
// has come before it in the replay, then until the recorded gap after that
// (scaled) has passed. "Before" is the recorded happens-before:
//   - an interaction that ended before i started must end first (the
//     client read the response, then sent i);
//   - on a stream still open when i started, the events that had arrived
//     must have arrived (the client may have acted on them: the recorded
//     DELETE came after the tools/list_changed notification), and the
//     headers too if they had arrived, for at most HeaderWait: a client
//     may wait for its listen stream to be open before it calls a tool
//     that notifies on it, or ends the session, but a tunnel that holds
//     the headers must not hold the whole session.
//
// i starts at the latest of: the replay start plus i's scaled recorded
// offset, and each such predecessor's live time plus the scaled recorded
// gap between it and i. So recorded gaps are kept when the live server is
// slower than the recorded one, instead of being eaten.
func (run *replayRun) waitTurn(ctx context.Context, i int) error {
	rec := run.c.Interactions[i].Stream
	earliest := run.start.Add(run.scaled(rec.Opened))
	later := func(t time.Time, recordedAt time.Duration) {
		if at := t.Add(run.scaled(rec.Opened - recordedAt)); at.After(earliest) {
			earliest = at
		}
	}
	for j, other := range run.c.Interactions {
		o := other.Stream
		switch {
		case j == i || o.Opened > rec.Opened || (o.Opened == rec.Opened && j > i):
			continue
		case o.Opened+o.Closed <= rec.Opened:
			select {
			case <-run.done[j]:
			case <-ctx.Done():
				return ctx.Err()
			}
			run.live[j].mu.Lock()
			later(run.live[j].ended, o.Opened+o.Closed)
			run.live[j].mu.Unlock()
		default:
			var seen []time.Duration
			for _, e := range o.Events {
				if !e.Comment && o.Opened+e.At <= rec.Opened {
					seen = append(seen, o.Opened+e.At)
				}
			}
			needHeaders := other.Response.Code != 0 && o.Opened+o.Headers <= rec.Opened
			if len(seen) == 0 && !needHeaders {
				continue
			}
			// Grace/2: see LateAfter.
			grace := time.NewTimer(run.r.opts.Grace / 2)
			headerWait := time.NewTimer(run.r.opts.HeaderWait)
			for waiting := true; waiting; {
				l := run.live[j]
				l.mu.Lock()
				n, changed, headers := len(l.events), l.changed, l.headers
				if n >= len(seen) && len(seen) > 0 {
					later(l.events[len(seen)-1], seen[len(seen)-1])
				}
				l.mu.Unlock()
				if n >= len(seen) && (!needHeaders || !headers.IsZero()) {
					break
				}
				select {
				case <-changed:
				case <-run.done[j]:
					waiting = false
				case <-grace.C:
					waiting = false
				case <-headerWait.C:
					needHeaders = false
				case <-ctx.Done():
					grace.Stop()
					headerWait.Stop()
					return ctx.Err()
				}
			}
			grace.Stop()
			headerWait.Stop()
		}
	}
	if wait := time.Until(earliest); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// scaled puts a recorded offset on the replay's clock.
func (run *replayRun) scaled(d time.Duration) time.Duration { return run.r.scaled(d) }

// scaled puts a recorded offset on the replay's clock: the world's time
// scale, then the pace on top. Not TimeScale.Scale, whose 1 µs floor would
// move a recorded offset below it.
func (r *Replayer) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * r.opts.TimeScale.Factor() * r.opts.Pace)
}

// normalize turns live origins back into the recorded one before comparing.
func (run *replayRun) normalize(s string) string {
	s = swapOrigin(s, run.public, run.recOrigin)
	return swapOrigin(s, run.target, run.recOrigin)
}

// recordedOrigin reads the recorded upstream origin (left in SSE data, see
// Provenance.UpstreamOrigin) as the recorded origin.
func (run *replayRun) recordedOrigin(s string) string {
	if up := run.c.Provenance.UpstreamOrigin; up != "" {
		return swapOrigin(s, up, run.recOrigin)
	}
	return s
}

// clientCancelled reports whether the recorded client (or the recorder)
// ended the stream, so its length is the client's choice, not the server's.
func clientCancelled(r EndReason) bool {
	return r == EndClientCancel || r == EndRecorderClosed || r == EndTimeout
}

// one replays interaction i: wait for its turn and its values, send it,
// then read the answer (readStream for an event stream, readBody
// otherwise), comparing it with the recording.
func (run *replayRun) one(ctx context.Context, i int) Result {
	defer run.b.end(i)
	rec := run.c.Interactions[i]
	u, _ := url.Parse(rec.Request.URL)
	path := "?"
	if u != nil {
		path = u.EscapedPath()
	}
	res := Result{Interaction: i, Request: rec.Request.Method + " " + path, Scheduled: run.scaled(rec.Stream.Opened)}
	var diffs []Difference
	add := func(where, format string, args ...any) {
		diffs = append(diffs, Difference{Where: where, Detail: fmt.Sprintf(format, args...)})
	}
	finish := func() Result {
		for k := range diffs {
			diffs[k].Interaction, diffs[k].Request = i, res.Request
			for _, a := range run.r.opts.Allow {
				if strings.HasPrefix(diffs[k].Where, a) {
					diffs[k].Allowed = true
				}
			}
		}
		res.Differences = diffs
		res.Timeline.Interaction, res.Timeline.Method, res.Timeline.URL = i, rec.Request.Method, run.b.show(res.Timeline.URL)
		return res
	}

	if err := run.waitTurn(ctx, i); err != nil {
		add("transport", "cancelled: %v", err)
		return finish()
	}
	run.progress.start(i)
	giveUp := time.NewTimer(run.r.opts.Grace)
	defer giveUp.Stop()
	needs := placeholdersIn(rec.Request.URL, rec.Request.Body, headerText(rec.Request.Headers))
	if missing := run.b.await(ctx, needs, giveUp.C); len(missing) > 0 {
		add("request", "no live value for %s (never seen in a live response)", strings.Join(missing, ", "))
	}

	req, err := run.request(ctx, rec)
	if err != nil {
		add("request", "%v", err)
		return finish()
	}
	reqCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	tl := &res.Timeline
	// GotConn runs inside RoundTrip, on this goroutine: which connection
	// carried the exchange (reports draw one lane per connection).
	req = req.WithContext(httptrace.WithClientTrace(reqCtx, &httptrace.ClientTrace{
		GotConn: func(ci httptrace.GotConnInfo) { tl.Conn = ci.Conn.LocalAddr().String() },
	}))
	opened := time.Now()
	res.Started = opened.Sub(run.start)
	ex := &exchange{
		run: run, rec: rec, ctx: reqCtx, cancel: cancel, opened: opened,
		closeAt: opened.Add(run.scaled(rec.Stream.Closed)), tl: tl, add: add, live: run.live[i],
		answered: &res.liveAnswered,
	}
	ex.tl.Opened, ex.tl.URL = res.Started, req.URL.String()

	// A whole-exchange deadline for responses the server must finish.
	ex.hardDeadline = time.AfterFunc(time.Until(ex.closeAt)+run.r.opts.Grace, cancel)
	defer ex.hardDeadline.Stop()
	resp, err := run.transport.RoundTrip(req)
	if err != nil {
		ex.tl.Closed, ex.tl.Reason, ex.tl.Err = ex.since(), EndUpstreamError, err.Error()
		if reqCtx.Err() != nil && ctx.Err() == nil {
			ex.tl.Reason = EndTimeout
		}
		add("transport", "%v", err)
		return finish()
	}
	defer resp.Body.Close()
	ex.tl.Headers, ex.tl.Status, ex.tl.ContentType = ex.since(), resp.StatusCode, resp.Header.Get("Content-Type")
	res.liveHeader = resp.Header.Clone()
	ex.live.gotHeaders(time.Now())
	ex.cmp = &comparer{b: run.b, ignore: run.ignore, normalize: run.normalize, recorded: run.recordedOrigin}
	ex.cmp.status(rec.Response.Code, resp.StatusCode)
	ex.cmp.headers(rec.Response.Headers, resp.Header)

	ex.body = &firstByteReader{r: resp.Body, onFirst: func() { ex.tl.FirstByte, ex.tl.SeenFirstByte = ex.since(), true }, count: &ex.tl.Bytes}
	if isSSE(resp.Header.Get("Content-Type")) && isSSE(rec.Response.Headers.Get("Content-Type")) {
		ex.readStream()
	} else {
		res.liveBody = ex.readBody(ctx)
	}
	diffs = append(diffs, ex.cmp.out...)
	return finish()
}

// exchange is one replayed request in flight: what readBody and
// readStream need to read its answer and compare it with the recording.
type exchange struct {
	run    *replayRun
	rec    *Interaction
	ctx    context.Context // the request's; cancel ends it
	cancel context.CancelFunc
	// hardDeadline cancels a response the server must finish, Grace
	// after its scaled recorded end.
	hardDeadline *time.Timer
	opened       time.Time
	closeAt      time.Time // the scaled recorded end
	body         io.Reader
	tl           *Timeline
	cmp          *comparer
	add          func(where, format string, args ...any)
	live         *liveState
	answered     *bool // set when a live event is the request's answer
}

func (ex *exchange) since() time.Duration { return time.Since(ex.opened) }

// readBody reads a whole (non-stream) answer and compares it; it returns
// the body as received. parent is the replay's context (a cancelled
// request under a live replay is a timeout, not the user's interrupt).
func (ex *exchange) readBody(parent context.Context) string {
	live, err := io.ReadAll(ex.body)
	ex.tl.Closed = ex.since()
	switch {
	case err == nil:
		ex.tl.Reason = EndServerEOF
	case ex.ctx.Err() != nil && parent.Err() == nil:
		ex.tl.Reason, ex.tl.Err = EndTimeout, err.Error()
	default:
		ex.tl.Reason, ex.tl.Err = EndReset, err.Error()
	}
	if err != nil && !clientCancelled(ex.rec.Stream.Reason) {
		ex.add("stream", "recorded %s, live %s: %v", ex.rec.Stream.Reason, ex.tl.Reason, err)
	}
	if !isSSE(ex.rec.Response.Headers.Get("Content-Type")) {
		ex.cmp.body(ex.rec.Response.Headers.Get("Content-Type"), ex.rec.Response.Body, string(live))
	}
	return string(live)
}

// sseRead is one read from a live event stream: an event or the error
// that ended the stream.
type sseRead struct {
	e   SSEEvent
	err error
}

// readStream reads a live SSE response event by event, comparing each
// with the recording as it arrives (so an SSE id is bound before a later
// request needs it as Last-Event-ID). A stream the recorded server ended
// must end the same way; one the recorded client ended is cancelled at the
// scaled recorded time, once the recorded number of events has arrived (or
// Grace has passed). Steps: readEvents feeds the loop, onEvent compares
// one event, onEnd judges the end, the end timer and the grace timer
// decide when the client lets go.
func (ex *exchange) readStream() {
	var recorded []SSEEvent
	for _, e := range ParseSSE(ex.rec.Response.Body) {
		if !e.IsComment {
			recorded = append(recorded, e)
		}
	}
	byClient := clientCancelled(ex.rec.Stream.Reason)
	if byClient {
		ex.hardDeadline.Stop() // we decide when it ends
	}
	events := ex.readEvents()
	var endTimer <-chan time.Time
	if byClient {
		t := time.NewTimer(time.Until(ex.closeAt))
		defer t.Stop()
		endTimer = t.C
	}
	var graceTimer <-chan time.Time
	live := 0
	for {
		select {
		case n := <-events:
			if n.err != nil {
				ex.onEnd(n.err, byClient, len(recorded), live)
				return
			}
			if !ex.onEvent(n.e, recorded, live, byClient) {
				continue
			}
			live++
			if graceTimer != nil && live >= len(recorded) {
				ex.cancel()
			}
		case <-endTimer:
			endTimer = nil
			if live >= len(recorded) {
				ex.cancel()
				continue
			}
			t := time.NewTimer(ex.run.r.opts.Grace)
			defer t.Stop()
			graceTimer = t.C
		case <-graceTimer:
			graceTimer = nil
			ex.cancel()
		}
	}
}

// readEvents parses the body in its own goroutine. The reader of the
// channel receives until it gets the error that ends the stream
// (cancelling the request makes the read fail), so every send is received
// and the goroutine always ends.
func (ex *exchange) readEvents() <-chan sseRead {
	events := make(chan sseRead)
	go func() {
		sr := NewSSEReader(ex.body)
		for {
			e, err := sr.Next()
			events <- sseRead{e, err}
			if err != nil {
				return
			}
		}
	}()
	return events
}

// onEvent puts one live event (or comment) on the timeline and compares a
// data event with the live-th recorded one. It reports whether e was a
// data event.
func (ex *exchange) onEvent(e SSEEvent, recorded []SSEEvent, live int, byClient bool) bool {
	ex.tl.AddEvent(e, ex.since())
	if e.IsComment {
		return false
	}
	ex.live.event(time.Now())
	if answers(e.Data, ex.rec.Request.Body) {
		*ex.answered = true
	}
	switch {
	case live < len(recorded):
		ex.cmp.event(live, recorded[live], e)
	case !byClient:
		ex.add("stream", "event[%d] not recorded: %q", live, clip(ex.cmp.b.show(e.Data)))
	}
	return true
}

// onEnd records how the stream ended, after live of recorded data events.
func (ex *exchange) onEnd(err error, byClient bool, recorded, live int) {
	tl := ex.tl
	tl.Closed = ex.since()
	switch {
	case errors.Is(err, io.EOF):
		tl.Reason = EndServerEOF
	case ex.ctx.Err() != nil && byClient:
		tl.Reason = EndClientCancel
	case ex.ctx.Err() != nil:
		tl.Reason, tl.Err = EndTimeout, err.Error()
	default:
		tl.Reason, tl.Err = EndReset, err.Error()
	}
	if !byClient && tl.Reason != ex.rec.Stream.Reason {
		ex.add("stream", "recorded end %s after %d events, live %s after %d (%s)", ex.rec.Stream.Reason, recorded, tl.Reason, live, tl.Err)
	}
	if live < recorded {
		ex.add("stream", "recorded %d events, live %d before the stream ended", recorded, live)
	}
}

// request builds the live request: the recorded one with the recorded
// origin replaced by the one the replayer talks to and every placeholder
// filled, escaped for where it sits. RequestURI stays empty and
// ContentLength is the filled body's (both matter to http.Transport).
func (run *replayRun) request(ctx context.Context, rec *Interaction) (*http.Request, error) {
	u, err := url.Parse(rec.Request.URL)
	if err != nil {
		return nil, fmt.Errorf("recorded URL %q: %w", rec.Request.URL, err)
	}
	// Inside the request (resource=, redirect URIs, Origin) the recorded
	// origin becomes the target's: that is the address the server knows
	// itself by. Through a tunnel only the connection goes elsewhere.
	fillParam := func(_, v string) string { return run.b.fill(swapOrigin(v, run.recOrigin, run.target), identity) }
	target := run.public + run.b.fill(u.EscapedPath(), url.PathEscape)
	if u.RawQuery != "" {
		target += "?" + rewriteParams(u.RawQuery, fillParam)
	}
	ct := rec.Request.Headers.Get("Content-Type")
	body := swapOrigin(rec.Request.Body, run.recOrigin, run.target)
	switch mt := mediaType(ct); {
	case mt == "application/x-www-form-urlencoded":
		body = rewriteParams(rec.Request.Body, fillParam)
	case isJSONMedia(mt) || looksJSON(body):
		body = run.b.fill(body, jsonEscape)
	default:
		body = run.b.fill(body, identity)
	}
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequestWithContext(ctx, rec.Request.Method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	for k, vs := range rec.Request.Headers {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Accept-Encoding":
			continue // set by the transport for this connection
		}
		if isTunnelHeader(k) {
			// A tunnel's headers (client IP, Cf-Ray, X-Forwarded-Host)
			// described the recorded path, not this one; the recorder
			// drops them, older or hand-made cassettes may hold them.
			continue
		}
		for _, v := range vs {
			if strings.EqualFold(k, "Authorization") && strings.HasPrefix(strings.ToLower(v), "basic ") {
				if id, secret, ok := decodeBasic(v[len("basic "):]); ok {
					v = v[:len("basic ")] + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(run.b.fill(id, identity))+":"+url.QueryEscape(run.b.fill(secret, identity))))
				}
			} else {
				v = run.b.fill(swapOrigin(v, run.recOrigin, run.target), identity)
			}
			req.Header.Add(k, v)
		}
	}
	for _, k := range hopHeaders {
		req.Header.Del(k)
	}
	return req, nil
}

func identity(s string) string { return s }

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// headerText joins header values so placeholders in them can be found.
func headerText(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range h[k] {
			if strings.EqualFold(k, "Authorization") && strings.HasPrefix(strings.ToLower(v), "basic ") {
				if id, secret, ok := decodeBasic(v[len("basic "):]); ok {
					v = id + ":" + secret
				}
			}
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// firstByteReader notes when the first byte arrives and counts bytes.
type firstByteReader struct {
	r       io.Reader
	onFirst func()
	count   *int64
}

func (f *firstByteReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if n > 0 {
		if f.onFirst != nil {
			f.onFirst()
			f.onFirst = nil
		}
		*f.count += int64(n)
	}
	return n, err
}
