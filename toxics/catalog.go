package toxics

import (
	"fmt"
	"sort"
	"time"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// ToxicType names a toxic as toxiproxy's REST API and CLI know it.
type ToxicType string

// Our HTTP-aware toxics, one file each.
const (
	RequestLogType       ToxicType = "request_log"
	SSEBufferType        ToxicType = "sse_buffer"
	BodyDropType         ToxicType = "body_drop"
	IdleCutType          ToxicType = "idle_cut"
	HeaderHoldType       ToxicType = "header_hold"
	CloseAfterEventsType ToxicType = "close_after_events"
	StatusRewriteType    ToxicType = "status_rewrite"
	HeaderStripType      ToxicType = "header_strip"
	RequestBufferType    ToxicType = "request_buffer"
	// RequestHeaderStripType removes request headers (request_header_strip.go).
	RequestHeaderStripType ToxicType = "request_header_strip"
)

// toxiproxy's own toxics (v2.12.0), which an external toxiproxy-server also
// has.
const (
	LatencyType   ToxicType = "latency"
	BandwidthType ToxicType = "bandwidth"
	SlowCloseType ToxicType = "slow_close"
	TimeoutType   ToxicType = "timeout"
	ResetPeerType ToxicType = "reset_peer"
	SlicerType    ToxicType = "slicer"
	LimitDataType ToxicType = "limit_data"
	NoopType      ToxicType = "noop"
)

// Custom reports whether t is one of ours, which only the embedded server
// (or `mcpvcr tunnel --api`) runs.
func (t ToxicType) Custom() bool {
	switch t {
	case RequestLogType, SSEBufferType, BodyDropType, IdleCutType, HeaderHoldType, CloseAfterEventsType, StatusRewriteType,
		HeaderStripType, RequestBufferType, RequestHeaderStripType:
		return true
	}
	return false
}

// needsRequests reports whether a toxic reads the connection's requests, so
// a tunnel must put request_log upstream first.
func (t ToxicType) needsRequests() bool {
	switch t {
	case SSEBufferType, IdleCutType, HeaderHoldType, CloseAfterEventsType, StatusRewriteType:
		return true
	}
	return false
}

// DefaultStream is the direction a toxic works in unless told otherwise:
// the request toxics go upstream, everything else downstream (toxiproxy's
// own default).
func (t ToxicType) DefaultStream() Direction {
	if t == BodyDropType || t == RequestLogType || t == RequestBufferType || t == RequestHeaderStripType {
		return Upstream
	}
	return Downstream
}

// builtinAttributes documents toxiproxy's own toxics for `tunnel --list`
// (their structs carry no help).
var builtinAttributes = map[ToxicType][][2]string{
	LatencyType:   {{"latency", "ms added to each chunk"}, {"jitter", "ms, +/- random"}},
	BandwidthType: {{"rate", "KB/s"}},
	SlowCloseType: {{"delay", "ms before the close is passed on"}},
	TimeoutType:   {{"timeout", "ms; stop all data, close after this (0 = never close)"}},
	ResetPeerType: {{"timeout", "ms after the first byte, reset the connection (TCP RST)"}},
	SlicerType:    {{"average_size", "bytes"}, {"size_variation", "bytes"}, {"delay", "µs between slices"}},
	LimitDataType: {{"bytes", "close after this many bytes"}},
	NoopType:      nil,
}

// microsecondAttributes are the duration attributes not in milliseconds.
var microsecondAttributes = map[ToxicType]map[string]bool{
	SlicerType: {"delay": true},
}

// Direction is toxiproxy's stream name for a direction.
type Direction string

const (
	// Upstream is client to server.
	Upstream Direction = "upstream"
	// Downstream is server to client.
	Downstream Direction = "downstream"
)

// Attrs are a toxic's attributes. A time.Duration value is a duration the
// time scale multiplies; it is sent in the toxic's unit (ms, or µs for the
// slicer's delay). Other values are sent as they are.
type Attrs map[string]any

// Spec is one toxic as a profile or `--toxic` asks for it.
type Spec struct {
	// Name is the toxic's name in the proxy; empty means TYPE_STREAM.
	Name   string
	Type   ToxicType
	Stream Direction
	// Toxicity is the share of connections it applies to; 0 means 1.
	Toxicity float32
	Attrs    Attrs
	// Why cites the field failure it reproduces.
	Why string
}

// name returns the toxic's name in the proxy.
func (s Spec) name() string {
	if s.Name != "" {
		return s.Name
	}
	return string(s.Type) + "_" + string(s.Stream)
}

// Resolved returns the attributes as sent to toxiproxy, durations scaled.
func (s Spec) Resolved(scale timescale.Scale) map[string]any {
	out := make(map[string]any, len(s.Attrs))
	for k, v := range s.Attrs {
		if d, ok := v.(time.Duration); ok {
			if microsecondAttributes[s.Type][k] {
				v = int64(scale.Scale(d) / time.Microsecond)
			} else {
				v = scale.Millis(d)
			}
		}
		out[k] = v
	}
	return out
}

// Profile names a tunnel: a list of toxics that reproduces one real path
// between a client and a server.
type Profile string

const (
	Clean                 Profile = "clean"
	CloudflareQuickTunnel Profile = "cloudflare-quick-tunnel"
	CloudflareNamedTunnel Profile = "cloudflare-named-tunnel"
	CloudflaredQUIC       Profile = "cloudflared-quic"
	NginxDefault          Profile = "nginx-default"
	AWSALB                Profile = "aws-alb"
	FlakyMobile           Profile = "flaky-mobile"
	NginxHTTP2            Profile = "nginx-http2"
	HAProxyDefault        Profile = "haproxy-default"
	ApacheDefault         Profile = "apache-default"
	ApacheDebian          Profile = "apache-debian"
	CaddyDefault          Profile = "caddy-default"
	Vercel                Profile = "vercel"
	AWSAPIGateway         Profile = "aws-api-gateway"
	GCPLoadBalancer       Profile = "gcp-load-balancer"
	Heroku                Profile = "heroku"
	Railway               Profile = "railway"
	CorporateWAF          Profile = "corporate-waf"
)

// profileInfo is one catalog entry.
type profileInfo struct {
	summary string
	toxics  []Spec
}

// Durations at scale 1, as measured or documented upstream.
const (
	// Cloudflare's cut: 100 s on its 524 page, 120 s in its connection
	// limits table (2026), ~125 s measured (field failure 25: 120 s plus
	// the read in flight); it times reads from the origin.
	cloudflareIdle = 120 * time.Second
	albIdle        = 60 * time.Second  // field failure 5
	nginxRead      = 60 * time.Second  // field failure 12: proxy_read_timeout
	haproxyServer  = 50 * time.Second  // Debian's haproxy.cfg: timeout server 50000
	apacheTimeout  = 60 * time.Second  // Apache's compiled-in Timeout
	apacheDebian   = 300 * time.Second // Debian's apache2.conf: Timeout 300
	vercelMax      = 300 * time.Second // Vercel Functions' default max duration
	apiGatewayMax  = 30 * time.Second  // API Gateway's integration timeout (HTTP APIs; REST 29 s)
	gcpBackend     = 30 * time.Second  // GCP backend service timeout default
	herokuFirst    = 30 * time.Second  // Heroku router H12: first byte within 30 s
	herokuIdle     = 55 * time.Second  // Heroku router H15: 55 s without a byte
	railwayIdle    = 300 * time.Second // Railway's idle HTTP/2 CANCEL
)

// nginxToxics is nginx's default proxying (proxy_buffering on, 4 KiB
// buffers, HTTP/1.0 upstream), calibrated against nginx 1.22.1 by
// internal/realproxy. proxy_read_timeout counts reads from the origin: the
// cut comes before the buffer in the chain. An HTTP/2 front (passHead)
// sends the head at once and buffers only the body.
func nginxToxics(passHead bool) []Spec {
	return []Spec{
		{Type: RequestBufferType, Stream: Upstream,
			Why: "calibrated (nginx 1.22.1): nginx reads a chunked request body whole and sends it on with Content-Length (HTTP/1.0 upstream)"},
		{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": nginxRead, "status": 504, "page": string(NginxPage)},
			Why: "field failure 12: nginx ingress 60 s gives 504 on long tool calls"},
		{Type: SSEBufferType, Stream: Downstream, Attrs: Attrs{"bytes": 4096, "unless_header": "X-Accel-Buffering: no",
			"drop_on_cut": true, "pass_head": passHead},
			Why: "field failure 4: nginx buffers by default (4 KiB, upstream head included); X-Accel-Buffering: no turns it off; a cut drops what is held"},
		{Type: HeaderStripType, Stream: Downstream, Attrs: Attrs{"names": "X-Accel-Buffering"},
			Why: "calibrated (nginx 1.22.1): nginx consumes X-Accel-Buffering: the client never sees it"},
	}
}

// profiles is the catalog: each toxic cites the field failure (in
// docs/field-failures.md, folded into the README) it reproduces.
var profiles = map[Profile]profileInfo{
	Clean: {summary: "a plain TCP relay, no toxics: the baseline"},
	CloudflareQuickTunnel: {
		summary: "trycloudflare.com: GET SSE streams held until they end, headers held to the first body byte, 120 s idle cut (524)",
		// Chain order is the path: the edge holds headers, times out what
		// it has not passed on, and the Quick Tunnel buffer sits behind it,
		// so keepalive comments keep the stream alive yet never show.
		toxics: []Spec{
			{Type: HeaderHoldType, Stream: Downstream,
				Why: "field failure 5: Cloudflare's HTTP/2 edge holds headers until the first body byte"},
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": cloudflareIdle, "status": 524},
				Why: "field failure 11: Cloudflare cuts a quiet connection after 120 s with 524"},
			{Type: SSEBufferType, Stream: Downstream, Attrs: Attrs{"methods": "GET", "content_type": "text/event-stream"},
				Why: "field failure 2: Quick Tunnels buffer the GET SSE stream until it closes; POST streams flow"},
		},
	},
	CloudflareNamedTunnel: {
		summary: "cloudflared named tunnel (HTTP/2 to the edge): bodies re-framed chunked, headers held, 120 s idle cut",
		toxics: []Spec{
			{Type: BodyDropType, Stream: Upstream, Attrs: Attrs{"shape": string(ShapeChunked)},
				Why: "field failure 8: cloudflared sends HTTP/2 requests chunked with no Content-Length"},
			{Type: HeaderHoldType, Stream: Downstream,
				Why: "field failure 5: HTTP/2 edge holds headers until the first body byte"},
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": cloudflareIdle, "status": 524},
				Why: "field failure 11: 120 s idle cut with 524"},
		},
	},
	CloudflaredQUIC: {
		summary: "cloudflared --protocol quic: POST bodies sent without Content-Length are dropped",
		toxics: []Spec{
			{Type: BodyDropType, Stream: Upstream, Attrs: Attrs{"shape": string(ShapeEmpty), "methods": "POST", "when": "chunked"},
				Why: "field failure 7: cloudflared over QUIC dropped POST bodies without Content-Length"},
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": cloudflareIdle, "status": 524},
				Why: "field failure 11: 120 s idle cut with 524"},
		},
	},
	NginxDefault: {
		summary: "nginx with default proxy_buffering: responses held 4 KiB at a time unless X-Accel-Buffering: no (removed), chunked request bodies re-framed, 60 s read timeout (504, held bytes dropped)",
		toxics:  nginxToxics(false),
	},
	NginxHTTP2: {
		summary: "nginx-default behind `listen ... http2`: the head is sent at once, the body buffered as in nginx-default",
		toxics:  nginxToxics(true),
	},
	HAProxyDefault: {
		summary: "HAProxy with Debian's timeouts: every flush delayed ~200 ms (no option http-no-delay), 50 s server timeout (504)",
		toxics: []Spec{
			// timeout server counts reads from the origin: the cut comes
			// before the delay in the chain.
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": haproxyServer, "status": 504, "page": string(HAProxyPage)},
				Why: "calibrated (HAProxy 2.6.12): Debian's haproxy.cfg timeout server 50 s, then 504 (HTTP/1.0, ends on close)"},
			// Unscaled on purpose: the delay is the kernel's (MSG_MORE),
			// not a setting, so it is 200 ms at every time scale.
			{Type: SSEBufferType, Stream: Downstream, Attrs: Attrs{"max_hold": int64(200)},
				Why: "calibrated (HAProxy 2.6.12): HAProxy sends with MSG_MORE unless option http-no-delay: each flush waits ~200 ms"},
		},
	},
	ApacheDefault: {
		summary: "Apache mod_proxy_http, compiled-in Timeout 60: SSE flows, chunked request bodies re-framed, 502 Proxy Error after 60 s",
		toxics:  apacheToxics(apacheTimeout),
	},
	ApacheDebian: {
		summary: "apache-default with Debian's apache2.conf (Timeout 300): the cut comes after 300 s",
		toxics:  apacheToxics(apacheDebian),
	},
	CaddyDefault: {
		summary: "Caddy reverse_proxy with its defaults: no toxics, like clean (calibrated: SSE immediate, no cut, chunked passed on)",
	},
	AWSALB: {
		summary: "AWS Application Load Balancer (HTTP/2): headers held until the first body byte, 60 s idle timeout (504)",
		toxics: []Spec{
			{Type: HeaderHoldType, Stream: Downstream,
				Why: "field failure 5: ALB holds headers until the first DATA frame"},
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": albIdle, "status": 504},
				Why: "field failure 5: the GET stream hangs for ALB's 60 s timeout"},
		},
	},
	Vercel: {
		summary: "Vercel Functions: a response ends at the 300 s max duration whatever it sends (504 FUNCTION_INVOCATION_TIMEOUT before headers)",
		toxics: []Spec{
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": vercelMax, "deadline": true, "status": 504, "page": string(VercelPage)},
				Why: "field failure 24: Vercel ends long streams at its max duration (vercel.com/docs/functions/limitations, 300 s)"},
		},
	},
	AWSAPIGateway: {
		summary: "AWS API Gateway: no streaming (every response held until it ends), 30 s integration timeout (504 JSON)",
		toxics: []Spec{
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": apiGatewayMax, "deadline": true, "status": 504, "page": string(AWSPage)},
				Why: "field failure 24: API Gateway cuts at 30 s (docs.aws.amazon.com/apigateway/latest/developerguide/limits.html)"},
			{Type: SSEBufferType, Stream: Downstream,
				Why: "field failure 24: API Gateway does not stream: the client gets the response when it ends"},
		},
	},
	GCPLoadBalancer: {
		summary: "Google Cloud external Application Load Balancer: 30 s backend service timeout, a hard deadline keepalives do not reset (502 before headers)",
		toxics: []Spec{
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": gcpBackend, "deadline": true, "status": 502, "page": string(GCPPage)},
				Why: "field failure 26: the backend service timeout (default 30 s, cloud.google.com/load-balancing/docs/backend-service#timeout-setting) is not an idle timeout"},
		},
	},
	Heroku: {
		summary: "Heroku router: 503 (H12) without a first byte in 30 s, then the connection closed after 55 s without a byte (H15)",
		toxics: []Spec{
			{Type: IdleCutType, Name: "h12", Stream: Downstream, Attrs: Attrs{"timeout": herokuFirst, "first_byte": true, "status": 503, "page": string(HerokuPage)},
				Why: "field failure 27: H12, 30 s to the first byte (devcenter.heroku.com/articles/request-timeout)"},
			{Type: IdleCutType, Name: "h15", Stream: Downstream, Attrs: Attrs{"timeout": herokuIdle, "status": -1},
				Why: "field failure 27: H15, 55 s without a byte closes the connection; a byte regularly keeps it"},
		},
	},
	Railway: {
		summary: "Railway's edge: a stream without a byte for 300 s is cancelled (the client sees a reset stream)",
		toxics: []Spec{
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": railwayIdle, "status": -1},
				Why: "field failure 25: Railway sends an HTTP/2 CANCEL after 300 s idle; keepalive bytes fix it"},
		},
	},
	CorporateWAF: {
		summary: "a body-inspecting corporate proxy or WAF: request bodies read whole, every SSE response held until it ends",
		toxics: []Spec{
			{Type: RequestBufferType, Stream: Upstream,
				Why: "field failure 30: request-body inspection reads the body whole before passing it on"},
			{Type: SSEBufferType, Stream: Downstream, Attrs: Attrs{"content_type": "text/event-stream"},
				Why: "field failure 30: inspecting proxies and WAFs (Gloo, Azure App Gateway WAF v2) hold text/event-stream until it ends"},
		},
	},
	FlakyMobile: {
		summary: "a phone on a bad network: latency with jitter both ways, a slow link, one connection in ten gets nothing and is reset",
		toxics: []Spec{
			{Type: LatencyType, Stream: Downstream, Attrs: Attrs{"latency": 300 * time.Millisecond, "jitter": 200 * time.Millisecond},
				Why: "field failure 14: discovery is a latency race (Claude gives initialize ~10 s)"},
			{Type: LatencyType, Stream: Upstream, Attrs: Attrs{"latency": 100 * time.Millisecond, "jitter": 50 * time.Millisecond},
				Why: "field failure 14: latency both ways"},
			{Type: BandwidthType, Stream: Downstream, Attrs: Attrs{"rate": 256},
				Why: "field failure 14: a slow link lengthens every exchange"},
			{Type: ResetPeerType, Stream: Downstream, Toxicity: 0.1, Attrs: Attrs{"timeout": 5 * time.Second},
				Why: "field failure 15: dropped streams must be resumed (Last-Event-ID)"},
		},
	},
}

// apacheToxics is mod_proxy_http with the given Timeout, calibrated against
// Apache 2.4 by internal/realproxy.
func apacheToxics(timeout time.Duration) []Spec {
	return []Spec{
		{Type: RequestBufferType, Stream: Upstream,
			Why: "calibrated (Apache 2.4.71): mod_proxy_http re-sends a chunked request body with Content-Length"},
		{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": timeout, "status": 502, "page": string(ApachePage)},
			Why: "calibrated (Apache 2.4.71): Apache answers a silent origin with 502 Proxy Error after Timeout, not 504"},
	}
}

// Profiles returns the profile names, sorted.
func Profiles() []Profile {
	out := make([]Profile, 0, len(profiles))
	for p := range profiles {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Summary describes a profile in one line.
func (p Profile) Summary() string { return profiles[p].summary }

// Toxics returns a profile's toxics, or an error naming the known profiles.
func (p Profile) Toxics() ([]Spec, error) {
	info, ok := profiles[p]
	if !ok {
		return nil, fmt.Errorf("unknown profile %q (known: %v)", p, Profiles())
	}
	return append([]Spec(nil), info.toxics...), nil
}
