// Package servertest starts an mcpvcr server for tests, the way
// net/http/httptest starts a handler, and holds the low-level OAuth
// requests the server's own tests send to probe its error answers.
//
// It is the test kit's lower layer: users import mcpvcrtest, which builds
// on it and adds the harness (markers to wait for, replays, streams).
// servertest imports no harness, so the harness's own tests can use it.
//
//	servertest.EachRedis(t, func(t *testing.T, redisURL string) {
//		ts := servertest.Start(t, server.Config{RedisURL: redisURL, AutoApprove: true})
//		resp, err := http.Get(ts.URL + "/.well-known/oauth-authorization-server")
//		...
//	})
//
// With an empty Config.RedisURL the server gets its own miniredis, exposed
// as Server.Mini so a test can FastForward its clock or stop it. With a
// real Redis URL the server gets a key prefix of its own, and its keys are
// deleted at Close, so tests can share one Redis.
package servertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/syncbuf"
	"github.com/redis/go-redis/v9"
)

// go-redis logs every failed dial through its global logger; tests stop
// Redis on purpose, and the server's REDIS UNAVAILABLE marker says it
// already.
func init() { redis.SetLogger(discardLogger{}) }

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// Server is a running mcpvcr server on a loopback port:
//
//	test > URL (127.0.0.1:PORT) > [Handle-d routes] > server.Server > Redis (Mini or Config.RedisURL)
type Server struct {
	// URL is the base URL and, unless Config.Issuer says otherwise, the
	// issuer: "http://127.0.0.1:PORT".
	URL string
	// Config is what the server is built from at Start. On an unstarted
	// server a test may change it; Start fills in Addr, Issuer (when
	// empty), RedisURL and RedisKeyPrefix.
	Config server.Config
	// Server is the server under test; nil until Start.
	Server *server.Server
	// Mini is the server's own miniredis, or nil on a real Redis or one
	// shared with another server.
	Mini *miniredis.Miniredis
	// Events receives every marker the server logs, in order.
	Events *Events
	// KeyPrefix is the prefix of every Redis key the server writes.
	KeyPrefix string
	// Listener is the server's bound port.
	Listener net.Listener

	lb       *server.Loopback
	mu       sync.Mutex
	started  bool
	closed   bool
	hooks    []func(markers.Event)
	extra    *http.ServeMux // Handle-d routes, in front of the server's
	flush    bool           // Close deletes KeyPrefix* (the prefix is ours)
	log      syncbuf.Buffer
	logShown bool
}

// NewUnstartedServer returns a server with its port bound, so URL is
// known, but not yet built or serving: change Config (put a tunnel's URL
// in Config.Issuer, say), then call Start. It panics when it cannot
// listen, as httptest.NewUnstartedServer does. The caller should call
// Close when finished.
func NewUnstartedServer(cfg server.Config) *Server {
	lb, err := server.ListenLoopback()
	if err != nil {
		panic("servertest: " + err.Error())
	}
	ts := &Server{URL: lb.URL, Config: cfg, Events: &Events{}, Listener: lb.Listener, lb: lb}
	ts.hooks = []func(markers.Event){ts.Events.add}
	return ts
}

// NewServer starts a server for cfg. The caller should call Close when
// finished.
func NewServer(cfg server.Config) (*Server, error) {
	ts := NewUnstartedServer(cfg)
	if err := ts.Start(); err != nil {
		ts.Close()
		return nil, err
	}
	return ts, nil
}

// Start starts a server for cfg and closes it when t's test ends.
// cfg.Issuer empty means the server's URL; cfg.LogOutput nil means the text
// log is shown through t.Log only if the test fails.
func Start(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	ts := NewUnstartedServer(cfg)
	t.Cleanup(func() { ts.CloseFor(t) })
	if err := ts.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	return ts
}

// Start builds the server from Config and starts serving. It panics if the
// server was already started, as httptest's Start does.
func (ts *Server) Start() error {
	ts.mu.Lock()
	if ts.started {
		ts.mu.Unlock()
		panic("servertest: Server already started")
	}
	ts.started = true
	ts.mu.Unlock()
	cfg := ts.Config
	if cfg.RedisURL == "" {
		ts.Mini = miniredis.NewMiniRedis()
		if err := ts.Mini.StartAddr("127.0.0.1:0"); err != nil {
			return fmt.Errorf("start miniredis: %w", err)
		}
		cfg.RedisURL = "redis://" + ts.Mini.Addr()
	}
	if cfg.RedisKeyPrefix == "" {
		var b [6]byte
		rand.Read(b[:])
		cfg.RedisKeyPrefix = "mcpvcr-test:" + hex.EncodeToString(b[:]) + ":"
		ts.flush = ts.Mini == nil
	}
	ts.KeyPrefix = cfg.RedisKeyPrefix
	if cfg.LogOutput == nil {
		cfg.LogOutput = &ts.log
	}
	cfg.Addr = ts.lb.Listener.Addr().String()
	if cfg.Issuer == "" {
		cfg.Issuer = ts.URL
	}
	ts.Config = cfg
	err := ts.lb.Start(cfg, func(srv *server.Server) http.Handler {
		ts.mu.Lock()
		ts.Server = srv
		for _, f := range ts.hooks {
			srv.Logger().OnEvent(f)
		}
		ts.mu.Unlock()
		return http.HandlerFunc(ts.serveHTTP)
	})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

// OnEvent registers f to be called, under the server's logger lock, with
// every event the server logs; before Start it takes effect at Start.
func (ts *Server) OnEvent(f func(markers.Event)) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.Server != nil {
		ts.Server.Logger().OnEvent(f)
		return
	}
	ts.hooks = append(ts.hooks, f)
}

// Handle serves h at pattern (an http.ServeMux pattern) in front of the
// server's own routes: an extra endpoint a test needs beside the server's.
func (ts *Server) Handle(pattern string, h http.Handler) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.extra == nil {
		ts.extra = http.NewServeMux()
	}
	ts.extra.Handle(pattern, h)
}

// Protect serves h at path (and below it) behind the server's bearer
// check, in front of the server's own routes: a protected endpoint for
// tests that must not depend on the server's MCP handler.
func (ts *Server) Protect(path string, h http.Handler) {
	protected := ts.Server.RequireBearer(h)
	scoped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, _ := server.WithScope(r.Context(), "test")
		protected.ServeHTTP(w, r.WithContext(ctx))
	})
	ts.Handle(path, scoped)
	ts.Handle(path+"/", scoped)
}

// serveHTTP routes to a Handle-d route, else to the server.
func (ts *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	extra := ts.extra
	ts.mu.Unlock()
	if extra != nil {
		if h, pattern := extra.Handler(r); pattern != "" {
			h.ServeHTTP(w, r)
			return
		}
	}
	ts.Server.ServeHTTP(w, r)
}

// Log returns the server's text log so far, when Config.LogOutput was left
// nil.
func (ts *Server) Log() string { return ts.log.String() }

// Close stops serving, closes every connection (so each open stream logs
// its end), closes the server and its miniredis, and deletes the keys it
// wrote to a real Redis. It may be called more than once.
func (ts *Server) Close() {
	ts.mu.Lock()
	if ts.closed {
		ts.mu.Unlock()
		return
	}
	ts.closed = true
	ts.mu.Unlock()
	ts.lb.Close()
	if ts.Mini != nil {
		ts.Mini.Close()
	}
	if ts.flush {
		flushPrefix(ts.Config.RedisURL, ts.KeyPrefix)
	}
}

// CloseFor is Close at the end of t's test: when t failed, it shows the
// server's text log through t.Log first.
func (ts *Server) CloseFor(t testing.TB) {
	t.Helper()
	ts.Close()
	ts.mu.Lock()
	show := t.Failed() && !ts.logShown && ts.Config.LogOutput == &ts.log
	ts.logShown = true
	ts.mu.Unlock()
	if show {
		t.Logf("server log:\n%s", ts.log.String())
	}
}

// RequireMini skips the test unless the server runs on its own miniredis
// (needed to FastForward or stop Redis).
func (ts *Server) RequireMini(t testing.TB) {
	t.Helper()
	if ts.Mini == nil {
		t.Skip("needs miniredis (FastForward / Close); this run uses a real Redis")
	}
}

// EachRedis runs f as a subtest "miniredis" with an empty Redis URL, and
// again as "redis" with $REDIS_URL when it is set (.ci/run sets it).
func EachRedis(t *testing.T, f func(t *testing.T, redisURL string)) {
	t.Helper()
	t.Run("miniredis", func(t *testing.T) { f(t, "") })
	if u := os.Getenv("REDIS_URL"); u != "" {
		t.Run("redis", func(t *testing.T) { f(t, u) })
	}
}

// flushPrefix deletes every key under prefix, so servers sharing one Redis
// (CI's) leave nothing behind. A Redis already gone (a test stopped it) is
// not an error.
func flushPrefix(redisURL, prefix string) error {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return err
	}
	opt.DialerRetries, opt.MaxRetries = 1, -1
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, time.Second, time.Second
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if iter.Err() != nil {
		return nil
	}
	if len(keys) > 0 {
		return rdb.Del(ctx, keys...).Err()
	}
	return nil
}

// Events collects logged markers; safe for concurrent use.
type Events struct {
	mu sync.Mutex
	ev []markers.Event
}

func (e *Events) add(ev markers.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ev = append(e.ev, ev)
}

// All returns a copy of the events so far.
func (e *Events) All() []markers.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]markers.Event(nil), e.ev...)
}

// Texts returns the events so far in the seed's form, "=== NAME === detail".
func (e *Events) Texts() []string {
	var out []string
	for _, ev := range e.All() {
		out = append(out, ev.Text())
	}
	return out
}

// Reset forgets the events so far.
func (e *Events) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ev = nil
}

// Markers returns the marker names logged so far, in order.
func (e *Events) Markers() []markers.Name {
	var out []markers.Name
	for _, ev := range e.All() {
		out = append(out, ev.Name)
	}
	return out
}
