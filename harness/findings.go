package harness

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// A Finding is one thing the client saw go wrong in a replayed exchange,
// judged against the recording only (status, header time, each event's
// arrival against its recorded offset, how the stream ended), so it holds
// for any server in any language. Server log markers may add to a
// diagnosis elsewhere; they never decide whether a finding is reported.
//
// replay's report and exit status, the demo's and check's verdicts,
// scenario assertions and the HTML/HAR reports all read the same findings:
//
//	recording ─┐
//	           ├─► findingRules ─► []Finding ─► Report.Breaking() ─► exit 1
//	live run  ─┘                      │
//	                                  └─► matrix Outcome, check table, scenarios
type Finding struct {
	Name     FindingName `json:"name"`
	Severity Severity    `json:"severity"`
	// Interaction is the cassette index of the exchange, Request its
	// method and path ("GET /mcp").
	Interaction int    `json:"interaction"`
	Request     string `json:"request"`
	// Diagnosis is one line: what the client saw and what usually causes it.
	Diagnosis string `json:"diagnosis"`
	// Evidence is the timeline lines the finding rests on, recorded then
	// live, each "recorded +0.4ms headers 200" or "live +2003.1ms event
	// \"message\" id=\"1\"" (offsets from the request's start).
	Evidence []string `json:"evidence"`
	// Allowed findings are reported but do not fail (ReplayOptions.AllowFindings,
	// --allow NAME).
	Allowed bool `json:"allowed,omitempty"`
}

func (f Finding) String() string {
	allowed := ""
	if f.Allowed {
		allowed = " (allowed)"
	}
	return fmt.Sprintf("%s %s #%d %s: %s%s", f.Severity, f.Name, f.Interaction, f.Request, f.Diagnosis, allowed)
}

// Breaks reports whether the finding breaks the session and is not allowed.
func (f Finding) Breaks() bool { return f.Severity == Breaks && !f.Allowed }

// Severity says how bad a finding is for the user's session.
type Severity string

const (
	// Breaks: the session does not work as recorded (a request fails, a
	// notification never comes, a stream dies). Exit status 1.
	Breaks Severity = "breaks"
	// Degrades: the session works, slower or with something missing a
	// client may not need.
	Degrades Severity = "degrades"
	// Cosmetic: visible on the wire, harmless to a client.
	Cosmetic Severity = "cosmetic"
)

// FindingName is the stable name of a kind of finding: what --allow,
// fixtures/expectations.txt and scenario assertions use. Names never change
// meaning; a new kind of finding gets a new name.
type FindingName string

// The catalog. Each name's severity, meaning and remedy are in
// FindingCatalog (and docs/findings.md).
const (
	// NoResponse: the request got no response at all (connection refused,
	// DNS, TLS), where the recording had one.
	NoResponse FindingName = "no-response"
	// NoHeaders: the response headers never came before the client gave
	// up (Grace past the recorded end), where the recording had them.
	NoHeaders FindingName = "no-headers"
	// HeadersHeld: the headers came, much later than recorded (a proxy
	// that holds headers until the first body byte).
	HeadersHeld FindingName = "headers-held"
	// GatewayTimeout: the answer became a 504 or 524 (an idle cut).
	GatewayTimeout FindingName = "gateway-timeout"
	// BadGateway: the answer became a 502.
	BadGateway FindingName = "bad-gateway"
	// BodyNotArrived: the server answered a recorded valid request as if
	// its body were empty or truncated (a JSON-RPC parse error, 400).
	BodyNotArrived FindingName = "body-not-arrived"
	// AcceptedChanged: a recorded 202 Accepted (a notification or a
	// response the server took) became another status.
	AcceptedChanged FindingName = "accepted-changed"
	// StatusChanged: any other status than recorded.
	StatusChanged FindingName = "status-changed"
	// StreamReset: the connection broke under the exchange (TCP reset,
	// unexpected EOF) where the recording ended cleanly.
	StreamReset FindingName = "stream-reset"
	// StreamEndedEarly: the stream ended cleanly before the recorded
	// client or server ended it.
	StreamEndedEarly FindingName = "stream-ended-early"
	// EventsHeld: events came late, all at once when the stream ended (a
	// buffering proxy released them at close).
	EventsHeld FindingName = "events-held"
	// EventsLate: events came later than recorded, not at the stream's end.
	EventsLate FindingName = "events-late"
	// EventsMissing: fewer events than recorded came before the stream
	// ended or the client gave up.
	EventsMissing FindingName = "events-missing"
	// EventsDuplicated: an event id came twice.
	EventsDuplicated FindingName = "events-duplicated"
	// HeaderRemoved: a response header the recording had is gone.
	HeaderRemoved FindingName = "header-removed"
	// FieldAdded: a JSON field the recording lacks came in the live
	// response (a newer server added it); never a regression.
	FieldAdded FindingName = "field-added"
	// LoginRedirect: the answer became a redirect (3xx) where the recording
	// had none: an access proxy sent the client to a login page.
	LoginRedirect FindingName = "login-redirect"
	// HTMLInterstitial: the answer is an HTML page where the recording had
	// JSON or an event stream: an edge answered in the server's place.
	HTMLInterstitial FindingName = "html-interstitial"
	// ContentDiffers: status and timing as recorded, but a body, an event's
	// data or a compared header differs (see the report's differences).
	ContentDiffers FindingName = "content-differs"
	// HeaderMismatch: a 2026-07-28 request the recording had answered was
	// refused 400 with -32020 (HeaderMismatch): its Mcp-Method, Mcp-Name or
	// Mcp-Protocol-Version header was stripped or rewritten on the way.
	HeaderMismatch FindingName = "header-mismatch"
	// HTTP2Malformed: a request the recording had answered was refused as
	// a malformed HTTP/2 message, before it reached the server: 400 from
	// Go's HTTP/2 server, or a stream reset with PROTOCOL_ERROR.
	HTTP2Malformed FindingName = "http2-malformed"
	// RequestLost: a 2026-07-28 call's stream broke before its response;
	// nothing resumes in that era, so the request is lost.
	RequestLost FindingName = "request-lost"
	// CallHangs: a call's event stream got its headers, then ended without
	// the call's response and without any event id, so no client can
	// resume it; one that waits for the answer hangs to its deadline
	// (field failure 33).
	CallHangs FindingName = "call-hangs"
)

// FindingInfo describes a kind of finding for people: docs/findings.md is
// written from it and --help lists it.
type FindingInfo struct {
	Name     FindingName
	Severity Severity
	// Means is what the client saw; Remedy what to do about it.
	Means  string
	Remedy string
}

// FindingCatalog lists every finding kind, by name.
var FindingCatalog = map[FindingName]FindingInfo{
	NoResponse: {NoResponse, Breaks,
		"the request got no HTTP response at all (connection refused, DNS, TLS)",
		"check the URL and that the server and the tunnel are up"},
	NoHeaders: {NoHeaders, Breaks,
		"the response headers never came before the client gave up",
		"a proxy buffers the whole response (Cloudflare Quick Tunnels buffer GET event streams): send SSE from a path that does not, or flush a comment at once"},
	HeadersHeld: {HeadersHeld, Breaks,
		"the response headers came much later than recorded",
		"HTTP/2 edges (ALB, Cloudflare) hold headers until the first body byte: write an SSE comment (`: ok`) right after the headers"},
	GatewayTimeout: {GatewayTimeout, Breaks,
		"the answer was a gateway timeout (504, 524) instead of the recorded one: an idle cut",
		"send SSE keepalive comments more often than the proxy's idle timeout (Cloudflare 100 s, ALB and nginx 60 s), or answer long tool calls with a stream"},
	BadGateway: {BadGateway, Breaks,
		"the answer was 502 Bad Gateway: the proxy could not reach the server or the server closed the connection",
		"check the proxy's upstream address and the server's read/idle timeouts; a POST answered 502 at once after a quiet spell, with nothing in the server's log, is a load balancer reusing a connection the server closed: make the server's keep-alive longer than the balancer's idle timeout (ALB 60 s; field failure 28)"},
	BodyNotArrived: {BodyNotArrived, Breaks,
		"the server answered a recorded valid request with a parse error, as if the body had not arrived",
		"a proxy dropped or re-framed the request body (cloudflared over QUIC with chunked bodies): send Content-Length, or read chunked bodies to the end"},
	AcceptedChanged: {AcceptedChanged, Breaks,
		"a recorded 202 Accepted became another status",
		"a proxy or the server rewrites empty answers to notifications: let 202 with no body through"},
	StatusChanged: {StatusChanged, Breaks,
		"another status than recorded",
		"read the evidence: an auth failure (401/403) or a lost session (404) usually follows an earlier finding"},
	StreamReset: {StreamReset, Breaks,
		"the connection broke under the exchange (TCP reset, unexpected EOF)",
		"the client must reconnect and resume (Last-Event-ID); look for a proxy or load balancer dropping connections"},
	StreamEndedEarly: {StreamEndedEarly, Breaks,
		"the stream ended cleanly before the recorded client or server ended it",
		"a proxy closes streams after some time or some events: send keepalives, check its stream limits"},
	EventsHeld: {EventsHeld, Breaks,
		"events arrived late, all together when the stream ended: something buffered the stream",
		"turn response buffering off (nginx `X-Accel-Buffering: no`); Cloudflare Quick Tunnels buffer GET event streams, use a named tunnel"},
	EventsLate: {EventsLate, Degrades,
		"events arrived later than recorded, while the stream was still open",
		"a proxy delays or batches the stream; check its buffer size and flush interval"},
	EventsMissing: {EventsMissing, Breaks,
		"fewer events than recorded arrived before the stream ended or the client gave up",
		"a proxy held or dropped them: see the stream's other findings (held, ended early)"},
	EventsDuplicated: {EventsDuplicated, Degrades,
		"an event id arrived twice",
		"a resumed stream replayed events the client already had: check Last-Event-ID handling"},
	HeaderRemoved: {HeaderRemoved, Cosmetic,
		"a response header the recording had is missing",
		"a proxy strips it; harmless unless a client needs it (then another finding follows)"},
	FieldAdded: {FieldAdded, Cosmetic,
		"a JSON field the recording lacks came in the live response (a newer server's metadata or result field)",
		"nothing: a server that added a field has not regressed; re-record the fixture to compare the field too"},
	HeaderMismatch: {HeaderMismatch, Breaks,
		"a 2026-07-28 request was refused 400 HeaderMismatch (-32020): its Mcp-Method, Mcp-Name or Mcp-Protocol-Version header did not match its body",
		"a proxy strips or rewrites custom request headers (field failure 41): let Mcp-* headers through unchanged; in 2026-07-28 every request carries them"},
	HTTP2Malformed: {HTTP2Malformed, Breaks,
		"the request was refused as a malformed HTTP/2 message before it reached the server: 400 `request header \"Connection\" is not valid in HTTP/2` (Go's HTTP/2 server, as in Caddy) or a stream reset with PROTOCOL_ERROR (HAProxy, Apache, Node)",
		"the client sent a connection-specific header (Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade) over HTTP/2, which RFC 9113 forbids: send none of them on an HTTP/2 connection, which stays open anyway; on HTTP/1.1 they are fine (field failure 32)"},
	RequestLost: {RequestLost, Breaks,
		"a 2026-07-28 call's stream broke before its response: nothing resumes in that era, the request is lost",
		"the client must re-issue the request with a new id; the server should cancel a call whose stream closed, so the re-issue does not repeat its side effect; then find what broke the stream (see its other findings)"},
	CallHangs: {CallHangs, Breaks,
		"a call's event stream got its headers, then ended without the call's response and without an event id: nothing to resume from, so a client that waits for the answer (the Python SDK 1.x, the TypeScript SDK) hangs until its own or its platform's deadline (field failure 33: 1800 s, then 504)",
		"the server died after its headers (or something cut the stream): send SSE event ids (a priming event first) and `retry`, so the client resumes with Last-Event-ID and gets the answer; a client should fail a call whose stream ended unresumable; a shorter platform deadline only shortens the wait"},
	LoginRedirect: {LoginRedirect, Breaks,
		"the answer was a redirect to a login page where the server's answer was recorded: an access proxy (Cloudflare Access, an SSO gateway) stands in front of the server",
		"give the client a service token (Cloudflare Access: CF-Access-Client-Id and CF-Access-Client-Secret headers) or exempt the MCP path from the access policy; MCP clients do not follow logins (field failure 34)"},
	HTMLInterstitial: {HTMLInterstitial, Breaks,
		"an HTML page came where the server's JSON or event stream was recorded: an edge answered in the server's place",
		"ngrok's free tier shows a browser warning unless the request sends ngrok-skip-browser-warning; use a tunnel without interstitial, or a paid plan (field failure 34)"},
	ContentDiffers: {ContentDiffers, Degrades,
		"timing and status as recorded, but a body, an event's data or a header differs",
		"expected against another server or version; read the report's differences, `replay --allow PART` accepts them"},
}

// FindingNames returns every finding name, sorted.
func FindingNames() []FindingName {
	return slices.Sorted(maps.Keys(FindingCatalog))
}

// ParseFindingName checks that s names a finding.
func ParseFindingName(s string) (FindingName, error) {
	n := FindingName(s)
	if _, ok := FindingCatalog[n]; !ok {
		names := make([]string, 0, len(FindingCatalog))
		for _, k := range FindingNames() {
			names = append(names, string(k))
		}
		return "", fmt.Errorf("unknown finding %q (known: %s)", s, strings.Join(names, ", "))
	}
	return n, nil
}

// newFinding fills the severity from the catalog. An unknown name is a
// programming error.
func newFinding(name FindingName, diagnosis string, evidence ...string) Finding {
	info, ok := FindingCatalog[name]
	if !ok {
		panic("harness: finding " + string(name) + " is not in FindingCatalog")
	}
	return Finding{Name: name, Severity: info.Severity, Diagnosis: diagnosis, Evidence: evidence}
}

// WriteFindings writes one line per finding and its evidence indented
// below it, after a count:
//
//	2 findings (1 breaks the session):
//	  breaks   events-held  #9 GET /mcp: GET listen stream: 1 event(s) held until the stream closed, up to 2003.1ms late: ...
//	           event[0] recorded +3.9ms, live +2004.0ms
func WriteFindings(w io.Writer, fs []Finding) {
	breaking := 0
	for _, f := range fs {
		if f.Breaks() {
			breaking++
		}
	}
	fmt.Fprintf(w, "%d findings (%d break the session)", len(fs), breaking)
	if len(fs) == 0 {
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w, ":")
	for _, f := range fs {
		allowed := ""
		if f.Allowed {
			allowed = " (allowed)"
		}
		fmt.Fprintf(w, "  %-8s %-18s #%d %s: %s%s\n", f.Severity, f.Name, f.Interaction, f.Request, f.Diagnosis, allowed)
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "           %s\n", e)
		}
	}
}
