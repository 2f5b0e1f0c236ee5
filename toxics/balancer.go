package toxics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// BalancerOptions configures StartBalancer.
type BalancerOptions struct {
	// Upstream is the origin's HOST:PORT.
	Upstream string
	// IdleTimeout is how long the balancer keeps an idle connection to the
	// origin for the next request (ALB's idle timeout: 60 s by default),
	// before Scale. It must be > 0.
	IdleTimeout time.Duration
	// Scale multiplies IdleTimeout.
	Scale timescale.Scale
	// Log, if set, gets one line per event of the pool: a connection
	// opened, reused, closed by the origin or by the balancer, and every
	// 502 with its cause.
	Log func(string)
}

// Balancer is a load balancer's pool of keep-alive connections to the
// origin, the part of a load balancer that toxiproxy (one upstream
// connection per client connection) cannot model. Client connections end
// at the balancer; each request takes an idle pooled connection, or a new
// one, and goes back to the pool when its response ends:
//
//	client conns > Balancer.Addr > pool (idle up to IdleTimeout, scaled) > origin
//
// The pool is net/http's Transport behind httputil.ReverseProxy, so what
// happens on a reused connection is what Go's Transport does: a request
// that is not replayable (a POST) gets 502 with no body, and a GET or
// HEAD is sent again on a new connection (transport.go,
// shouldRetryRequest and Request.isReplayable; so is a POST with an
// Idempotency-Key header, which Go treats as replayable).
//
// The one simplification is the race itself. A real balancer may notice
// the origin's FIN before it picks the connection; this one never does:
// a pooled connection learns that the origin closed it only when it next
// sends a request there, the losing side of the race, taken every time a
// connection is reused after the origin's keep-alive expired (field
// failure 28: docs/field-failures.md). The balancer adds no forwarding
// headers and streams every response as it comes; as any HTTP proxy it
// drops the hop-by-hop headers (Connection, Keep-Alive). The caller should
// call Close when finished.
type Balancer struct {
	// Addr is where the balancer listens: HOST:PORT on loopback.
	Addr string

	opts      BalancerOptions
	transport *http.Transport
	server    *http.Server
	done      chan struct{}
	nextID    atomic.Int64
}

// StartBalancer starts a balancer in front of opts.Upstream on a free
// loopback port.
func StartBalancer(opts BalancerOptions) (*Balancer, error) {
	if opts.Upstream == "" {
		return nil, errors.New("balancer: no upstream HOST:PORT")
	}
	if opts.IdleTimeout <= 0 {
		return nil, fmt.Errorf("balancer: idle timeout %s: want > 0", opts.IdleTimeout)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("balancer: listen on loopback: %w", err)
	}
	b := &Balancer{Addr: ln.Addr().String(), opts: opts, done: make(chan struct{})}
	var dialer net.Dialer
	b.transport = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			pc := &pooledConn{Conn: c, id: b.nextID.Add(1), log: b.logf}
			b.logf("connection #%d to the origin opened", pc.id)
			return pc, nil
		},
		IdleConnTimeout:     opts.Scale.Scale(opts.IdleTimeout),
		MaxIdleConnsPerHost: 100,  // a balancer keeps as many as it used
		DisableCompression:  true, // pass the client's Accept-Encoding as it is
	}
	target := &url.URL{Scheme: "http", Host: opts.Upstream}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
			// Rewrite drops the client's forwarding headers: keep them.
			for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v, ok := r.In.Header[h]; ok {
					r.Out.Header[h] = v
				}
			}
		},
		Transport:     roundTripFunc(b.roundTrip),
		FlushInterval: -1, // the balancer streams; the toxics in front decide what is held
		ErrorLog:      log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil {
				b.logf("%s %s: 502 Bad Gateway: %v", r.Method, r.URL.Path, err)
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	b.server = &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() {
		defer close(b.done)
		b.server.Serve(ln)
	}()
	return b, nil
}

// String describes the balancer in one line (`mcpvcr tunnel`).
func (b *Balancer) String() string { return balancerSummary(b.opts.IdleTimeout, b.opts.Scale) }

// balancerSummary describes a balancer with this idle timeout, scaled.
func balancerSummary(idle time.Duration, scale timescale.Scale) string {
	return fmt.Sprintf("balancer pool      idle=%s  [keep-alive connections to the server, reused; a POST on one the server closed gets 502, a GET is sent again]", scale.Scale(idle))
}

// Close stops the balancer and closes every connection, to clients and to
// the origin.
func (b *Balancer) Close() error {
	err := b.server.Close()
	<-b.done
	b.transport.CloseIdleConnections()
	return err
}

func (b *Balancer) logf(format string, args ...any) {
	if b.opts.Log != nil {
		b.opts.Log("balancer: " + fmt.Sprintf(format, args...))
	}
}

// roundTrip sends one request through the pool, telling each pooled
// connection when it is in use and when it is back in the pool (idle),
// which is when an origin's close goes unnoticed.
func (b *Balancer) roundTrip(req *http.Request) (*http.Response, error) {
	var got atomic.Pointer[pooledConn]
	var use atomic.Int64
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			pc, ok := info.Conn.(*pooledConn)
			if !ok {
				return
			}
			got.Store(pc)
			use.Store(pc.take())
			if info.Reused {
				b.logf("%s %s on connection #%d (reused, idle %s)", req.Method, req.URL.Path, pc.id, info.IdleTime.Round(time.Millisecond))
			} else {
				b.logf("%s %s on connection #%d (new)", req.Method, req.URL.Path, pc.id)
			}
		},
		PutIdleConn: func(err error) {
			if pc := got.Load(); pc != nil && err == nil {
				pc.release(use.Load())
			}
		},
	}
	return b.transport.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// pooledConn is one connection of the pool to the origin. While it is
// idle in the pool, the origin's close (EOF or reset) is held back from
// the Transport until the balancer sends its next request there: the
// request is swallowed, as the origin's kernel would answer it with a
// reset, and only then does the Transport read the close, after having
// written the request, so it cannot tell this from an origin that took
// the request and died.
type pooledConn struct {
	net.Conn
	id  int64
	log func(string, ...any)

	mu        sync.Mutex
	uses      int64     // requests that have taken the connection
	idle      bool      // in the pool, no request on it
	idleSince time.Time // when it went back to the pool
	lost      bool      // the origin closed it while it was idle
	wake      chan struct{}
	closed    bool
}

// take marks the connection in use by a request and returns that use's
// number.
func (c *pooledConn) take() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.uses++
	c.idle = false
	return c.uses
}

// release puts the connection back in the pool after use, unless another
// request has taken it since.
func (c *pooledConn) release(use int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.uses == use {
		c.idle, c.idleSince = true, time.Now()
	}
}

func (c *pooledConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err == nil || n > 0 {
		return n, err
	}
	c.mu.Lock()
	if !c.idle || c.closed || c.lost {
		c.mu.Unlock()
		return n, err
	}
	c.lost = true
	wake := make(chan struct{})
	c.wake = wake
	idle := time.Since(c.idleSince).Round(time.Millisecond)
	c.mu.Unlock()
	c.log("the origin closed idle connection #%d after %s idle; the balancer sees it only when it next sends there", c.id, idle)
	<-wake
	return 0, err
}

func (c *pooledConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	lost, wake := c.lost, c.wake
	c.wake = nil
	c.mu.Unlock()
	if !lost {
		return c.Conn.Write(p)
	}
	if wake != nil {
		c.log("connection #%d: a request sent after the origin closed it is lost (the origin never reads it)", c.id)
		close(wake)
	}
	return len(p), nil
}

func (c *pooledConn) Close() error {
	c.mu.Lock()
	wasIdle, idle := c.idle && !c.closed, time.Since(c.idleSince).Round(time.Millisecond)
	c.closed = true
	wake := c.wake
	c.wake = nil
	c.mu.Unlock()
	if wake != nil {
		close(wake)
	}
	if wasIdle {
		c.log("the balancer closed idle connection #%d after %s idle", c.id, idle)
	}
	return c.Conn.Close()
}
