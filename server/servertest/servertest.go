// Package servertest starts an mcpvcr server for tests, the way
// net/http/httptest starts a handler:
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
// deleted at cleanup, so tests can share one Redis.
package servertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/redis/go-redis/v9"
)

// go-redis logs every failed dial through its global logger; tests stop
// Redis on purpose, and the server's REDIS UNAVAILABLE marker says it
// already.
func init() { redis.SetLogger(discardLogger{}) }

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// Server is a running mcpvcr server on a loopback port.
type Server struct {
	// URL is the base URL (and the issuer), "http://127.0.0.1:PORT".
	URL string
	// Server is the server under test.
	Server *server.Server
	// Mini is the server's miniredis, or nil when it runs on a real Redis.
	Mini *miniredis.Miniredis
	// HTTP is the underlying test server.
	HTTP *httptest.Server
	// Events receives every marker the server logs, in order.
	Events *Events
	// KeyPrefix is the prefix of every Redis key the server writes.
	KeyPrefix string

	mu    sync.Mutex
	extra *http.ServeMux // Protect-ed handlers
}

// Start starts a server for cfg and stops it at cleanup. cfg.Issuer is set
// to the test server's URL; cfg.RedisURL selects the Redis (empty: a fresh
// miniredis); cfg.LogOutput, when nil, goes to t.Log on failure only.
func Start(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	ts := &Server{Events: &Events{}}
	if cfg.RedisURL == "" {
		ts.Mini = miniredis.NewMiniRedis()
		if err := ts.Mini.StartAddr("127.0.0.1:0"); err != nil {
			t.Fatalf("start miniredis: %v", err)
		}
		t.Cleanup(ts.Mini.Close)
		cfg.RedisURL = "redis://" + ts.Mini.Addr()
	}
	if cfg.RedisKeyPrefix == "" {
		var b [6]byte
		rand.Read(b[:])
		cfg.RedisKeyPrefix = "mcpvcr-test:" + hex.EncodeToString(b[:]) + ":"
	}
	ts.KeyPrefix = cfg.RedisKeyPrefix
	if ts.Mini == nil {
		t.Cleanup(func() { flushPrefix(t, cfg.RedisURL, cfg.RedisKeyPrefix) })
	}

	var logBuf syncBuffer
	if cfg.LogOutput == nil {
		cfg.LogOutput = &logBuf
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("server log:\n%s", logBuf.String())
			}
		})
	}
	ts.HTTP = httptest.NewUnstartedServer(nil)
	ts.URL = "http://" + ts.HTTP.Listener.Addr().String()
	cfg.Addr = ts.HTTP.Listener.Addr().String()
	if cfg.Issuer == "" {
		cfg.Issuer = ts.URL
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	srv.Logger().OnEvent(ts.Events.add)
	ts.Server = srv
	ts.HTTP.Config.Handler = http.HandlerFunc(ts.serveHTTP)
	ts.HTTP.Start()
	t.Cleanup(func() {
		ts.HTTP.Close()
		srv.Close()
	})
	return ts
}

// Protect serves h at path (and below it) behind the server's bearer
// check, in front of the server's own routes: a protected endpoint for
// tests that must not depend on the server's MCP handler.
func (ts *Server) Protect(path string, h http.Handler) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.extra == nil {
		ts.extra = http.NewServeMux()
	}
	protected := ts.Server.RequireBearer(h)
	ts.extra.Handle(path, protected)
	ts.extra.Handle(path+"/", protected)
}

// serveHTTP routes to a Protect-ed handler, else to the server.
func (ts *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	extra := ts.extra
	ts.mu.Unlock()
	if extra != nil {
		if _, pattern := extra.Handler(r); pattern != "" {
			ctx, _ := server.WithScope(r.Context(), "test")
			extra.ServeHTTP(w, r.WithContext(ctx))
			return
		}
	}
	ts.Server.ServeHTTP(w, r)
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

// RequireMini skips the test unless the server runs on miniredis (needed
// to FastForward or stop Redis).
func (ts *Server) RequireMini(t testing.TB) {
	t.Helper()
	if ts.Mini == nil {
		t.Skip("needs miniredis (FastForward / Close); this run uses a real Redis")
	}
}

// flushPrefix deletes every key under prefix.
func flushPrefix(t testing.TB, redisURL, prefix string) {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Errorf("flush %s: %v", prefix, err)
		return
	}
	opt.DialerRetries, opt.MaxRetries = 1, -1
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, time.Second, time.Second
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Logf("flush %s: %v", prefix, err) // Redis gone (a test stopped it)
		return
	}
	if len(keys) > 0 {
		if err := rdb.Del(ctx, keys...).Err(); err != nil {
			t.Errorf("flush %s: %v", prefix, err)
		}
	}
}

// Events collects logged markers; safe for concurrent use.
type Events struct {
	mu sync.Mutex
	ev []server.Event
}

func (e *Events) add(ev server.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ev = append(e.ev, ev)
}

// All returns a copy of the events so far.
func (e *Events) All() []server.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]server.Event(nil), e.ev...)
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
func (e *Events) Markers() []server.Marker {
	var out []server.Marker
	for _, ev := range e.All() {
		out = append(out, ev.Marker)
	}
	return out
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
