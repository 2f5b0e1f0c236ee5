package toxics

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// IdleCut closes a connection after `timeout` ms with no bytes either way,
// as Cloudflare does after 100 s (field failure 11; 125 s measured) and an
// nginx ingress or an ALB after 60 s (field failures 5, 12). When a request is
// waiting and no byte of its response has reached this toxic, the client
// gets the edge's error response first (`status`, 524 by default: "A
// Timeout Occurred"); a response already under way is simply cut. It goes
// downstream; it sees client bytes through request_log (upstream), and
// without it counts downstream bytes only and never answers.
type IdleCut struct {
	Timeout int64  `json:"timeout" help:"ms without a byte either way before the cut (0 = never)"`
	Status  int64  `json:"status" help:"status answered when no response has started (default 524; -1 = just close)"`
	Page    string `json:"page" help:"whose error page answers: cloudflare (default, text), nginx, haproxy or apache (HTML, as each sends it)"`
}

type idleCutState struct {
	resp *responseSide
	// last is when this toxic last saw a downstream byte or was set up.
	last time.Time
}

// NewState implements toxiproxy's StatefulToxic.
func (t *IdleCut) NewState() interface{} {
	return &idleCutState{resp: newResponseSide(), last: time.Now()}
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
	if stub.Closed() {
		drain(stub)
		return
	}
	timeout := time.Duration(t.Timeout) * time.Millisecond
	var expired <-chan time.Time
	var timer *time.Timer
	if timeout > 0 {
		timer = time.NewTimer(timeout - time.Since(st.lastActivity()))
		defer timer.Stop()
		expired = timer.C
	}
	for {
		select {
		case <-stub.Interrupt:
			return
		case c := <-stub.Input:
			if c == nil {
				stub.Close()
				return
			}
			st.last = c.Timestamp
			st.resp.parser.feed(c.Data, func(piece) {})
			stub.Output <- c
		case now := <-expired:
			if idle := now.Sub(st.lastActivity()); idle < timeout {
				timer.Reset(timeout - idle)
				continue
			}
			if st.resp.awaitingResponse() && t.Status >= 0 {
				send(stub, edgeError(int(t.Status), ErrorPage(t.Page)))
			}
			cut(stub)
			return
		}
	}
}

// ErrorPage names whose error response an edge sends when the origin is
// too slow: what the client sees differs (a 504 from nginx is HTML, from
// Cloudflare plain text).
type ErrorPage string

const (
	CloudflarePage ErrorPage = "cloudflare"
	NginxPage      ErrorPage = "nginx"
	HAProxyPage    ErrorPage = "haproxy"
	ApachePage     ErrorPage = "apache"
)

// edgeError is the response an edge sends when the origin is too slow, in
// the shape of the given page (measured from each real proxy: see
// internal/realproxy).
func edgeError(status int, page ErrorPage) []byte {
	if status == 0 {
		status = 524
	}
	reason := http.StatusText(status)
	switch {
	case status == 524:
		reason = "A Timeout Occurred" // Cloudflare's wording
	case status == 504 && page != "" && page != CloudflarePage:
		reason = "Gateway Time-out" // nginx's, HAProxy's and Apache's wording
	case status == 502 && page == ApachePage:
		reason = "Proxy Error"
	}
	title := fmt.Sprintf("%d %s", status, reason)
	switch page {
	case NginxPage:
		body := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
			"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
		return response("HTTP/1.1", title, "text/html", body, true)
	case HAProxyPage:
		// HTTP/1.0 without a length: the body ends with the connection.
		body := "<html><body><h1>" + title + "</h1>\nThe server didn't respond in time.\n</body></html>\n"
		return response("HTTP/1.0", title, "text/html", body, false)
	case ApachePage:
		body := "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>" + title +
			"</title>\n</head><body>\n<h1>" + reason + "</h1>\n<p>The proxy server received an invalid\r\nresponse from an upstream server.</p>\n</body></html>\n"
		return response("HTTP/1.1", title, "text/html; charset=iso-8859-1", body, true)
	}
	return response("HTTP/1.1", title, "text/plain; charset=UTF-8", fmt.Sprintf("error code: %d", status), true)
}

// response renders a whole response that closes the connection.
func response(proto, statusLine, contentType, body string, withLength bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\r\nContent-Type: %s\r\n", proto, statusLine, contentType)
	if withLength {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

func init() { register(IdleCutType, new(IdleCut)) }
