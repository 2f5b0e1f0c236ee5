package toxics

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Shopify/toxiproxy/v2/stream"
	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// IdleCut closes a connection after `timeout` ms with no bytes either way,
// as Cloudflare after 120 s and an nginx ingress or an ALB after 60 s (field
// failures 5, 11, 12, 25). It counts the server's bytes as they reach it, so
// a profile puts it before any buffer: these proxies time the reads from the
// origin, not the writes to the client. With deadline nothing resets it
// once the request is in (Vercel's max duration, GCP's backend timeout,
// field failures 24, 26). When a request is
// waiting and no byte of its response has reached this toxic, the client
// gets the edge's error response first (`status`, 524 by default: "A
// Timeout Occurred"); a response already under way is simply cut. It goes
// downstream; it sees client bytes through request_log (upstream), and
// without it counts downstream bytes only and never answers.
type IdleCut struct {
	Timeout   int64     `json:"timeout" help:"ms without a byte either way before the cut (0 = never)"`
	Status    int64     `json:"status" help:"status answered when no response has started (default 524; -1 = just close)"`
	Page      string    `json:"page" help:"whose error page answers: cloudflare (default), nginx, haproxy, apache, vercel, aws, gcp or heroku (each as that edge sends it)"`
	Deadline  looseBool `json:"deadline" help:"a hard deadline from the request's last byte: no byte resets it"`
	FirstByte looseBool `json:"first_byte" help:"cut only while a request waits for the first byte of its response (Heroku's H12)"`
}

type idleCutState struct {
	resp *responseSide
	// last is when this toxic last saw a downstream byte or was set up.
	last time.Time
	// opened is when the connection's state was set up.
	opened time.Time
}

// NewState implements toxiproxy's StatefulToxic.
func (t *IdleCut) NewState() interface{} {
	now := time.Now()
	return &idleCutState{resp: newResponseSide(), last: now, opened: now}
}

// since is when the timer started counting, as the attributes say.
func (t *IdleCut) since(st *idleCutState) time.Time {
	switch {
	case bool(t.Deadline):
		if up := st.resp.log.upstreamAt(); up.After(st.opened) {
			return up
		}
		return st.opened
	}
	return st.lastActivity()
}

// lastActivity is the later of the last byte each way.
func (st *idleCutState) lastActivity() time.Time {
	if up := st.resp.log.upstreamAt(); up.After(st.last) {
		return up
	}
	return st.last
}

// Pipe implements toxiproxy's Toxic.
func (t *IdleCut) Pipe(stub *tptoxics.ToxicStub) {
	st := stub.State.(*idleCutState)
	timeout := time.Duration(t.Timeout) * time.Millisecond
	var expired <-chan time.Time
	var timer *time.Timer
	if timeout > 0 {
		timer = time.NewTimer(timeout - time.Since(t.since(st)))
		defer timer.Stop()
		expired = timer.C
	}
	see := func(c *stream.StreamChunk) {
		st.last = c.Timestamp
		st.resp.parser.feed(c.Data, func(piece) {})
	}
	ring := func(now time.Time) bool {
		idle := now.Sub(t.since(st))
		if idle < timeout {
			timer.Reset(timeout - idle)
			return false
		}
		if bool(t.FirstByte) && !st.resp.awaitingResponse() {
			timer.Reset(timeout)
			return false
		}
		if st.resp.awaitingResponse() && t.Status >= 0 {
			logAction(IdleCutType, "no byte either way for %s: answered %d and cut the connection", roundForLog(idle), t.Status)
			send(stub, edgeError(int(t.Status), ErrorPage(t.Page)))
		} else {
			logAction(IdleCutType, "no byte either way for %s: cut the connection", roundForLog(idle))
		}
		cut(stub)
		return true
	}
	if watch(stub, see, expired, ring) {
		stub.Close()
	}
}

// ErrorPage names whose error response an edge sends when the origin is
// too slow: what the client sees differs (a 504 from nginx is HTML, from
// Cloudflare plain text, from API Gateway JSON).
type ErrorPage string

const (
	CloudflarePage ErrorPage = "cloudflare"
	NginxPage      ErrorPage = "nginx"
	HAProxyPage    ErrorPage = "haproxy"
	ApachePage     ErrorPage = "apache"
	VercelPage     ErrorPage = "vercel"
	AWSPage        ErrorPage = "aws"
	GCPPage        ErrorPage = "gcp"
	HerokuPage     ErrorPage = "heroku"
)

// errorPage is one edge's timeout response. In body, {title} is the status
// line's text ("504 Gateway Time-out") and {status} the code.
type errorPage struct {
	proto, contentType, body string
	reason                   map[int]string // reason phrases unlike net/http's
	noLength                 bool           // the body ends with the connection
}

// errorPages: nginx, HAProxy and Apache measured (toxics/realproxy), the
// others from their documentation.
var errorPages = map[ErrorPage]errorPage{
	CloudflarePage: {contentType: "text/plain; charset=UTF-8", body: "error code: {status}",
		reason: map[int]string{524: "A Timeout Occurred"}},
	NginxPage: {contentType: "text/html",
		body:   "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
		reason: map[int]string{504: "Gateway Time-out"}},
	HAProxyPage: {proto: "HTTP/1.0", contentType: "text/html", noLength: true,
		body:   "<html><body><h1>{title}</h1>\nThe server didn't respond in time.\n</body></html>\n",
		reason: map[int]string{504: "Gateway Time-out"}},
	ApachePage: {contentType: "text/html; charset=iso-8859-1",
		body:   "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>{title}</title>\n</head><body>\n<h1>Proxy Error</h1>\n<p>The proxy server received an invalid\r\nresponse from an upstream server.</p>\n</body></html>\n",
		reason: map[int]string{502: "Proxy Error"}},
	// vercel.com/docs/errors/FUNCTION_INVOCATION_TIMEOUT
	VercelPage: {contentType: "text/plain; charset=utf-8", body: "An error occurred with your deployment\n\nFUNCTION_INVOCATION_TIMEOUT\n"},
	// API Gateway's integration timeout answer.
	AWSPage: {contentType: "application/json", body: `{"message": "Endpoint request timed out"}`},
	// GCP's load balancer logs statusDetails backend_timeout.
	GCPPage: {contentType: "text/html; charset=UTF-8", body: "<!DOCTYPE html>\n<html lang=en>\n<title>Error {status} (Server Error)!!1</title>\n<p>backend_timeout</p>\n"},
	// devcenter.heroku.com/articles/request-timeout: H12, Application Error.
	HerokuPage: {contentType: "text/html; charset=utf-8", body: "<!DOCTYPE html>\n<html><head><title>Application Error</title></head><body>Application Error</body></html>\n"},
}

// edgeError is the response an edge sends when the origin is too slow, in
// the shape of the given page (Cloudflare's when unknown).
func edgeError(status int, page ErrorPage) []byte {
	if status == 0 {
		status = 524
	}
	pg, ok := errorPages[page]
	if !ok {
		pg = errorPages[CloudflarePage]
	}
	reason, ok := pg.reason[status]
	if !ok {
		reason = http.StatusText(status)
	}
	title := fmt.Sprintf("%d %s", status, reason)
	body := strings.NewReplacer("{title}", title, "{status}", fmt.Sprint(status)).Replace(pg.body)
	proto := pg.proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\r\nContent-Type: %s\r\n", proto, title, pg.contentType)
	if !pg.noLength {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

// IdleCutType names the toxic in toxiproxy's REST API, the CLI and profiles.
const IdleCutType ToxicType = "idle_cut"

func init() { Register(IdleCutType, new(IdleCut), ToxicInfo{Stream: Downstream, NeedsRequests: true}) }
