package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// findingRules turns one replayed exchange into findings, from what the
// client saw only. Recorded offsets are put on the replay's clock with
// scaled (world time scale times pace); lateAfter is how much later than
// that something may come before it counts, burst how close to a stream's
// end a late event must arrive to count as released at close.
type findingRules struct {
	scaled func(time.Duration) time.Duration
	// world puts a production duration of the path (a keep-alive, a
	// timeout) on the replay's clock: the time scale alone, since the
	// tunnel and the server run at it whatever the pace.
	world     func(time.Duration) time.Duration
	lateAfter time.Duration
	burst     time.Duration
}

// gatewayTimeouts are the statuses an idle cut answers with (504 from
// nginx and ALB, 524 from Cloudflare).
var gatewayTimeouts = map[int]bool{http.StatusGatewayTimeout: true, 524: true}

// watchedHeaders are response headers whose removal by a proxy is worth
// saying, besides those the comparer compares.
var watchedHeaders = []string{"Mcp-Session-Id", "Mcp-Protocol-Version", "Www-Authenticate", "Location", "Cache-Control", "X-Accel-Buffering"}

// check returns the findings of exchange i. results are every exchange of
// the replay (for the order of a stream's end against later requests).
func (fr findingRules) check(c *Cassette, i int, results []Result) []Finding {
	rec, res := c.Interactions[i], results[i]
	live := res.Timeline
	var out []Finding
	add := func(name FindingName, diagnosis string, evidence ...string) {
		f := newFinding(name, diagnosis, evidence...)
		f.Interaction, f.Request = i, res.Request
		out = append(out, f)
	}
	recHeaders := "recorded " + headersLine(rec.Stream.Headers, rec.Response.Code, rec.Response.Headers.Get("Content-Type"))

	if live.Status == 0 {
		if rec.Response.Code == 0 {
			return nil
		}
		ended := fmt.Sprintf("live +%s no headers: %s %s", ms(live.Closed), live.Reason, live.Err)
		switch {
		case strings.Contains(live.Err, "PROTOCOL_ERROR"):
			add(HTTP2Malformed, fmt.Sprintf("%s: the HTTP/2 stream was reset with PROTOCOL_ERROR before any response: a malformed request, such as one carrying Connection", what(rec)), recHeaders, ended)
		case live.Reason == EndReset || isResetText(live.Err):
			add(StreamReset, fmt.Sprintf("%s: the connection broke before any response (%s)", what(rec), live.Reason), recHeaders, ended)
		case live.Reason == EndTimeout || live.Reason == EndClientCancel:
			add(NoHeaders, fmt.Sprintf("%s: no response headers in %s (recorded after %s); a proxy holds the response", what(rec), ms(live.Closed), ms(rec.Stream.Headers)), recHeaders, ended)
		default:
			add(NoResponse, fmt.Sprintf("%s: no response: %s", what(rec), live.Err), recHeaders, ended)
		}
		return out
	}

	liveHeaders := "live " + headersLine(live.Headers, live.Status, live.ContentType)
	if live.Status != rec.Response.Code {
		switch {
		case gatewayTimeouts[live.Status] && !gatewayTimeouts[rec.Response.Code]:
			add(GatewayTimeout, fmt.Sprintf("%s answered %d after %s: the tunnel's idle timeout cut it", what(rec), live.Status, ms(live.Headers)), recHeaders, liveHeaders)
		case live.Status == http.StatusBadGateway:
			add(BadGateway, fr.badGateway(c, i, results), recHeaders, liveHeaders)
		case bodyNotArrived(rec, res.liveBody):
			add(BodyNotArrived, fmt.Sprintf("%s: the server answered %d %q to a request recorded with a %d-byte body: the body did not arrive", what(rec), live.Status, clip(res.liveBody), len(rec.Request.Body)), recHeaders, liveHeaders)
		case live.Status == http.StatusBadRequest && isHTTP2Refusal(res.liveBody):
			add(HTTP2Malformed, fmt.Sprintf("%s: refused 400 %q, recorded %d: the request carried a header HTTP/2 forbids", what(rec), clip(strings.TrimSpace(res.liveBody)), rec.Response.Code), recHeaders, liveHeaders)
		case live.Status == http.StatusBadRequest && isHeaderMismatch(res.liveBody):
			add(HeaderMismatch, fmt.Sprintf("%s: refused 400 HeaderMismatch (-32020), recorded %d: an Mcp-* header was stripped or rewritten on the way", what(rec), rec.Response.Code), recHeaders, liveHeaders, "live body "+clip(res.liveBody))
		case isRedirect(live.Status) && !isRedirect(rec.Response.Code):
			add(LoginRedirect, fmt.Sprintf("%s: recorded %d, live %d to %s: something in front of the server wants a login", what(rec), rec.Response.Code, live.Status, clip(res.liveHeader.Get("Location"))), recHeaders, liveHeaders)
		case rec.Response.Code == http.StatusAccepted:
			add(AcceptedChanged, fmt.Sprintf("%s: recorded 202 Accepted, live %d", what(rec), live.Status), recHeaders, liveHeaders)
		default:
			add(StatusChanged, fmt.Sprintf("%s: recorded %d, live %d", what(rec), rec.Response.Code, live.Status), recHeaders, liveHeaders)
		}
		return out
	}
	if isHTML(live.ContentType) && !isHTML(rec.Response.Headers.Get("Content-Type")) && rec.Response.Headers.Get("Content-Type") != "" {
		add(HTMLInterstitial, fmt.Sprintf("%s: an HTML page (%q) came instead of the recorded %s", what(rec), clip(res.liveBody), rec.Response.Headers.Get("Content-Type")), recHeaders, liveHeaders)
		return out
	}
	if bodyNotArrived(rec, res.liveBody) {
		add(BodyNotArrived, fmt.Sprintf("%s: the server answered %q to a request recorded with a %d-byte body: the body did not arrive", what(rec), clip(res.liveBody), len(rec.Request.Body)), recHeaders, liveHeaders)
	}
	if lag := live.Headers - fr.scaled(rec.Stream.Headers); lag > fr.lateAfter {
		add(HeadersHeld, fmt.Sprintf("%s: headers %s later than recorded; a proxy held them (until the first body byte?)", what(rec), ms(lag)), recHeaders, liveHeaders)
	}
	var removed []string
	for _, k := range watchedHeaders {
		if rec.Response.Headers.Get(k) != "" && res.liveHeader.Get(k) == "" {
			removed = append(removed, k)
		}
	}
	if len(removed) > 0 {
		add(HeaderRemoved, fmt.Sprintf("%s: response header(s) %s removed on the way", what(rec), strings.Join(removed, ", ")), "recorded header(s) "+strings.Join(removed, ", "), "live: missing")
	}
	out = append(out, fr.stream(c, i, results, add)...)
	if d, ev := fr.callHangs(rec, res); d != "" {
		add(CallHangs, d, append([]string{recHeaders, liveHeaders}, ev...)...)
	}
	if lostCall(rec, out) {
		add(RequestLost, fmt.Sprintf("%s (2026-07-28): its stream broke before the response; nothing resumes in 2026-07-28, so the client must re-issue it with a new id", what(rec)), liveHeaders)
	}
	if content := contentDifferences(res.Differences); len(content) > 0 {
		ev := make([]string, 0, 3)
		for _, d := range content[:min(3, len(content))] {
			ev = append(ev, d.Where+": "+d.Detail)
		}
		add(ContentDiffers, fmt.Sprintf("%s: %d difference(s) in content, first %s", what(rec), len(content), content[0].Where), ev...)
	}
	if added := addedFields(res.Differences); len(added) > 0 {
		ev := make([]string, 0, 3)
		for _, d := range added[:min(3, len(added))] {
			ev = append(ev, d.Where+": "+d.Detail)
		}
		add(FieldAdded, fmt.Sprintf("%s: %d field(s) only in the live response, first %s: the server added them", what(rec), len(added), added[0].Where), ev...)
	}
	return out
}

// stream judges the body's life: events against their recorded offsets,
// and the end against the recorded end. It reports through add.
func (fr findingRules) stream(c *Cassette, i int, results []Result, add func(FindingName, string, ...string)) []Finding {
	rec, res := c.Interactions[i], results[i]
	live := res.Timeline
	liveEnd := fmt.Sprintf("live +%s closed: %s %s", ms(live.Closed), live.Reason, live.Err)
	recEnd := fmt.Sprintf("recorded +%s closed: %s", ms(rec.Stream.Closed), rec.Stream.Reason)

	if live.Reason == EndReset && rec.Stream.Reason != EndReset {
		add(StreamReset, fmt.Sprintf("%s: the connection broke after %s and %d event(s)", what(rec), ms(live.Closed), len(live.DataEvents())), recEnd, liveEnd)
	}

	recEv, liveEv := rec.Stream.DataEvents(), live.DataEvents()
	var held, late []string
	var worst time.Duration
	for k := range min(len(recEv), len(liveEv)) {
		lag := liveEv[k].At - fr.scaled(recEv[k].At)
		if lag <= fr.lateAfter {
			continue
		}
		worst = max(worst, lag)
		line := fmt.Sprintf("event[%d] recorded +%s, live +%s", k, ms(recEv[k].At), ms(liveEv[k].At))
		atClose := live.Closed-liveEv[k].At <= fr.burst && (live.Reason == EndServerEOF || live.Reason == EndReset)
		if atClose {
			held = append(held, line)
		} else {
			late = append(late, line)
		}
	}
	if len(held) > 0 {
		add(EventsHeld, fmt.Sprintf("%s: %d event(s) held until the stream closed, up to %s late: a proxy buffers this stream", what(rec), len(held), ms(worst)), append(held, liveEnd)...)
	}
	if len(late) > 0 {
		add(EventsLate, fmt.Sprintf("%s: %d event(s) up to %s late", what(rec), len(late), ms(worst)), late...)
	}
	if len(liveEv) < len(recEv) {
		ev := []string{}
		for k := len(liveEv); k < len(recEv) && len(ev) < 3; k++ {
			ev = append(ev, fmt.Sprintf("event[%d] recorded +%s %q", k, ms(recEv[k].At), recEv[k].Event))
		}
		add(EventsMissing, fmt.Sprintf("%s: %d of %d recorded event(s) never arrived (stream %s after %s)", what(rec), len(recEv)-len(liveEv), len(recEv), live.Reason, ms(live.Closed)), append(ev, liveEnd)...)
	}
	seen := map[string]bool{}
	for _, e := range liveEv {
		if e.ID == "" {
			continue
		}
		if seen[e.ID] {
			add(EventsDuplicated, fmt.Sprintf("%s: event id %q arrived twice", what(rec), e.ID), fmt.Sprintf("live +%s event id=%q again", ms(e.At), e.ID))
			break
		}
		seen[e.ID] = true
	}

	if live.Reason != EndServerEOF || rec.Stream.Reason == EndReset || !isSSE(rec.Response.Headers.Get("Content-Type")) {
		return nil
	}
	// A clean end, earlier than recorded: a request the recorded client
	// sent while this stream was still open (whoever ended it: the client
	// letting go, or the server after the DELETE that ends a listen
	// stream) went out live only after the stream had ended.
	recEndAt := rec.Stream.Opened + rec.Stream.Closed
	liveEndAt := live.Opened + live.Closed
	for j, other := range c.Interactions {
		if j == i || other.Stream.Opened <= rec.Stream.Opened || other.Stream.Opened >= recEndAt {
			continue
		}
		if results[j].Started > liveEndAt+fr.burst {
			add(StreamEndedEarly, fmt.Sprintf("%s: ended by the server side after %s, before %s went out (recorded: while it was open)", what(rec), ms(live.Closed), what(other)),
				recEnd, liveEnd, fmt.Sprintf("live +%s %s sent", ms(results[j].Started-live.Opened), what(other)))
			break
		}
	}
	return nil
}

// callHangs judges a call (before 2026-07-28, where request-lost judges)
// whose recorded stream carried its answer: live, the stream ended
// without the answer, and no event on it had an id to resume from. It
// returns the diagnosis and evidence, or "" when the call is not hung.
func (fr findingRules) callHangs(rec *Interaction, res Result) (string, []string) {
	live := res.Timeline
	if !waitsForAnswer(rec) || statelessCall(rec) || !isSSE(live.ContentType) || res.liveAnswered || !streamAnswers(rec.Response.Body, rec.Request.Body) {
		return "", nil
	}
	last := live.Headers
	for _, e := range live.Events {
		if e.ID != "" {
			return "", nil // resumable: a client can ask for the rest
		}
		last = max(last, e.At)
	}
	quiet := ""
	if gap := live.Closed - last; gap > fr.lateAfter {
		quiet = fmt.Sprintf(", nothing for %s before the end (the server went silent, or something in front held the stream to its deadline)", ms(gap))
	}
	return fmt.Sprintf("%s: its stream ended (%s) %s after the headers without the answer and without an event id%s: nothing to resume from, a client waiting for the answer hangs until its deadline (the server died after its headers?)", what(rec), live.Reason, ms(live.Closed-live.Headers), quiet),
		[]string{fmt.Sprintf("live: %d event(s), none with an id, no answer to the request", len(live.DataEvents())),
			fmt.Sprintf("live +%s closed: %s %s", ms(live.Closed), live.Reason, live.Err)}
}

// waitsForAnswer reports whether in is a JSON-RPC request posted for an
// answer: it has an id and a method other than a notification's.
func waitsForAnswer(in *Interaction) bool {
	m := JSONRPCMethod(in.Request.Body)
	return in.Request.Method == http.MethodPost && m != "" && !strings.HasPrefix(m, "notifications/") && rpcID(in.Request.Body) != ""
}

// streamAnswers reports whether an event stream's body carries the answer
// to the request whose body is req.
func streamAnswers(body, req string) bool {
	for _, e := range ParseSSE(body) {
		if answers(e.Data, req) {
			return true
		}
	}
	return false
}

// answers reports whether data is a JSON-RPC response (a result or an
// error) to the request whose body is req.
func answers(data, req string) bool {
	var m struct {
		Method string          `json:"method"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal([]byte(data), &m) != nil || m.Method != "" || (m.Result == nil && m.Error == nil) {
		return false
	}
	id := rpcID(data)
	return id != "" && id == rpcID(req)
}

// rpcID is a JSON-RPC message's id as written ("" when it has none).
func rpcID(body string) string {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal([]byte(body), &m) != nil || string(m.ID) == "null" {
		return ""
	}
	return string(m.ID)
}

// bodyNotArrived reports whether live is the answer to a request whose
// body did not arrive: the recording sent a body and got no parse error,
// and the live answer is a JSON-RPC parse error or names an empty body.
func bodyNotArrived(rec *Interaction, live string) bool {
	if strings.TrimSpace(rec.Request.Body) == "" || looksLikeParseError(rec.Response.Body) {
		return false
	}
	return looksLikeParseError(live)
}

// parseErrorSigns are what servers answer to an empty or truncated body:
// JSON-RPC's parse error (the TypeScript SDK), go-sdk's streamable
// handler's 400s, Go's and Node's JSON decoders.
var parseErrorSigns = []string{"-32700", "parse error", "post requires a non-empty body", "malformed payload", "failed to read body",
	"unexpected end of json", "unexpected eof", "empty body"}

func looksLikeParseError(body string) bool {
	b := strings.ToLower(body)
	for _, sign := range parseErrorSigns {
		if strings.Contains(b, sign) {
			return true
		}
	}
	return false
}

// contentDifferences are the differences no other finding explains.
func contentDifferences(ds []Difference) []Difference {
	var out []Difference
	for _, d := range ds {
		switch d.Where {
		case "status", "transport", "stream":
			continue
		}
		if d.Fails() {
			out = append(out, d)
		}
	}
	return out
}

// addedFields are the fields only the live response has.
func addedFields(ds []Difference) []Difference {
	var out []Difference
	for _, d := range ds {
		if d.Added {
			out = append(out, d)
		}
	}
	return out
}

// what names an exchange in a diagnosis: "GET listen stream", "POST
// initialize", "POST /token".
func what(in *Interaction) string {
	path := in.Request.URL
	if i := strings.Index(path, "://"); i >= 0 {
		path = path[i+3:]
		if j := strings.IndexByte(path, '/'); j >= 0 {
			path = path[j:]
		}
	}
	path, _, _ = strings.Cut(path, "?")
	if IsListenStream(in) {
		if in.Request.Method == http.MethodPost {
			return "POST subscriptions/listen stream"
		}
		return "GET listen stream"
	}
	if m := JSONRPCMethod(in.Request.Body); m != "" {
		return in.Request.Method + " " + m
	}
	return in.Request.Method + " " + path
}

// IsListenStream reports whether in is the stream a server sends
// notifications on, recorded as an event stream: a GET (2025-11-25 and
// older), or a POST of subscriptions/listen (2026-07-28).
func IsListenStream(in *Interaction) bool {
	if !isSSE(in.Response.Headers.Get("Content-Type")) {
		return false
	}
	return in.Request.Method == http.MethodGet ||
		(in.Request.Method == http.MethodPost && JSONRPCMethod(in.Request.Body) == "subscriptions/listen")
}

func headersLine(at time.Duration, status int, contentType string) string {
	return fmt.Sprintf("+%s headers %d %s", ms(at), status, mediaType(contentType))
}

func isResetText(err string) bool {
	return strings.Contains(err, "connection reset")
}

// isHTTP2Refusal reports whether body is Go's HTTP/2 server's answer to a
// request with a connection-specific header field (RFC 9113 §8.2.2).
func isHTTP2Refusal(body string) bool {
	return strings.Contains(body, "is not valid in HTTP/2") || strings.Contains(body, `may only be "trailers" in HTTP/2`)
}

// isHeaderMismatch reports whether body is a JSON-RPC error with code
// -32020 (HeaderMismatch, MCP 2026-07-28).
func isHeaderMismatch(body string) bool {
	var m struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	return json.Unmarshal([]byte(body), &m) == nil && m.Error.Code == -32020
}

// statelessCall reports whether in is a 2026-07-28 call that waits for a
// response on its own stream: a POST announcing 2026-07-28 or later, with
// a method other than subscriptions/listen (whose stream never answers).
func statelessCall(in *Interaction) bool {
	v := in.Request.Headers.Get("Mcp-Protocol-Version")
	m := JSONRPCMethod(in.Request.Body)
	return in.Request.Method == http.MethodPost && v >= "2026-07-28" && m != "" && m != "subscriptions/listen" && !strings.HasPrefix(m, "notifications/")
}

// lostCall reports whether a 2026-07-28 call lost its response: its
// stream reset, or ended with recorded events missing.
func lostCall(rec *Interaction, fs []Finding) bool {
	if !statelessCall(rec) {
		return false
	}
	for _, f := range fs {
		if f.Name == StreamReset || f.Name == EventsMissing {
			return true
		}
	}
	return false
}

func isRedirect(status int) bool {
	return status >= 300 && status < 400 && status != http.StatusNotModified
}

func isHTML(contentType string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "text/html")
}
