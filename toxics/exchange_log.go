package toxics

import (
	"net/textproto"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// toxiproxy gives a toxic one direction of a connection only: upstream
// (client > server) or downstream (server > client). Response toxics still
// need each response's request: a HEAD response has a Content-Length but no
// body, and sse_buffer must tell a GET listen stream from a POST stream
// (field failure 2). idle_cut must also see bytes going either way.
//
// So the two directions of one connection share an exchangeLog. The
// request_log toxic (upstream) writes each request head into it before
// forwarding the bytes that complete it, and the time of the last upstream
// byte; the response toxics (downstream) read it. Because a server can only
// answer a request it has received, request N is always logged before
// response N reaches any downstream toxic.
//
// Pairing the two directions: toxiproxy accepts a client in one goroutine
// per proxy (Proxy.server) and, in that goroutine, starts the upstream link
// and then the downstream link of the new connection (ToxicCollection
// .StartLink twice); ToxicLink.Start calls NewState for every stateful toxic
// of the link synchronously, in chain order. request_log's NewState therefore
// publishes its log under the calling goroutine's id, and each response
// toxic's NewState, called next in that same goroutine for the same
// connection, claims it. Other proxies accept in other goroutines, so they
// cannot interleave. A toxic added to an already open connection (through
// the API) gets its NewState from a fresh goroutine and finds nothing: it
// runs unpaired, which every response toxic handles (no HEAD detection,
// method filters never match, idle_cut sees downstream bytes only).
//
// A published log stays claimable only while its connection's upstream is
// open: request_log marks it closed at end of stream and when it is removed
// (Cleanup), so a later connection without request_log never claims a stale
// one. Tests: TestExchangePairing*.

// requestHead is what the response side needs to know about a request.
type requestHead struct {
	method, target string
	// header is the request's header fields (interstitial reads them).
	header textproto.MIMEHeader
}

// exchangeLog is the state both directions of one connection share.
type exchangeLog struct {
	mu       sync.Mutex
	requests []requestHead
	closed   bool
	// lastUpstream is the UnixNano time of the last byte from the client.
	lastUpstream atomic.Int64
}

func (l *exchangeLog) add(h requestHead) {
	l.mu.Lock()
	l.requests = append(l.requests, h)
	l.mu.Unlock()
}

// request returns the i-th request of the connection, if logged.
func (l *exchangeLog) request(i int) (requestHead, bool) {
	if l == nil {
		return requestHead{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if i < 0 || i >= len(l.requests) {
		return requestHead{}, false
	}
	return l.requests[i], true
}

// count returns how many requests were logged; -1 for an unpaired toxic.
func (l *exchangeLog) count() int {
	if l == nil {
		return -1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.requests)
}

func (l *exchangeLog) touchUpstream(t time.Time) { l.lastUpstream.Store(t.UnixNano()) }

// upstreamAt returns the time of the last client byte (zero if none or
// unpaired).
func (l *exchangeLog) upstreamAt() time.Time {
	if l == nil {
		return time.Time{}
	}
	if n := l.lastUpstream.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

func (l *exchangeLog) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// close ends the log's pairing life and withdraws it if still published.
func (l *exchangeLog) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	published.Lock()
	for g, p := range published.logs {
		if p == l {
			delete(published.logs, g)
		}
	}
	published.Unlock()
}

// published holds, per accepting goroutine, the log of the connection it is
// starting. It has one entry per live proxy at most.
var published = struct {
	sync.Mutex
	logs map[uint64]*exchangeLog
}{logs: map[uint64]*exchangeLog{}}

// publishExchange makes l the log of the connection the calling goroutine is
// starting.
func publishExchange(l *exchangeLog) {
	g := goroutineID()
	published.Lock()
	published.logs[g] = l
	published.Unlock()
}

// claimExchange returns the log of the connection the calling goroutine is
// starting, or nil when there is none (no request_log upstream, or a toxic
// added to a running connection).
func claimExchange() *exchangeLog {
	g := goroutineID()
	published.Lock()
	l := published.logs[g]
	published.Unlock()
	if l == nil || l.isClosed() {
		return nil
	}
	return l
}

// goroutineID reads the current goroutine's id from its stack header
// ("goroutine 42 [running]:"). Go offers no API for it; pairing needs only
// identity within one call chain, which this gives.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) <= len(prefix) {
		return 0
	}
	b = b[len(prefix):]
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	id, _ := strconv.ParseUint(string(b[:i]), 10, 64)
	return id
}
