package mcpvcrtest

import (
	"bytes"
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
	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/redis/go-redis/v9"
)

// go-redis logs every failed dial through its global logger; tests stop
// Redis on purpose, and the server's REDIS UNAVAILABLE marker says it
// already.
func init() { redis.SetLogger(discardLogger{}) }

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// Server is an mcpvcr server on a loopback port, shaped after
// httptest.Server:
//
//	test > Server.URL (127.0.0.1:PORT) > server.Server > Redis (miniredis or Config.RedisURL)
//	                                          │ markers
//	                                          ▼
//	                                   Server.Markers
//
// With an empty Config.RedisURL the server gets a miniredis of its own,
// exposed as Mini so a test can FastForward its clock or stop it. With a
// real Redis URL it gets a fresh key prefix, and its keys are deleted at
// Close, so tests can share one Redis.
type Server struct {
	// URL is the base URL and, unless Config.Issuer says otherwise, the
	// issuer: "http://127.0.0.1:PORT".
	URL string
	// Listener is where the server accepts connections.
	Listener net.Listener
	// Config is what the server is built from at Start. On an unstarted
	// server a test may change it; Start fills in Addr, Issuer (when
	// empty), RedisURL and RedisKeyPrefix.
	Config server.Config
	// Name, when set before Start, prefixes every captured marker line
	// ("a: === REQUEST BODY === ...") so several servers can share one
	// Markers log.
	Name string
	// Markers receives every marker the server logs, in order. Set it
	// before Start to share one log between servers.
	Markers *harness.MarkerLog
	// Server is the server under test; nil until Start.
	Server *server.Server
	// Mini is the server's own miniredis, or nil on a real Redis or a
	// Redis shared with another server.
	Mini *miniredis.Miniredis
	// KeyPrefix is the prefix of every Redis key the server writes.
	KeyPrefix string

	mu       sync.Mutex
	started  bool
	closed   bool
	hs       *http.Server
	log      syncBuffer
	flush    bool           // Close deletes KeyPrefix* (the prefix is ours)
	extra    *http.ServeMux // Handle-d routes in front of the server's
	onEvents []func(server.Event)
}

// NewUnstartedServer returns a server with its listener bound, so URL is
// known, but not yet built or serving: change Config (put a tunnel's URL
// in Config.Issuer, say), then call Start. It panics when it cannot
// listen, as httptest.NewUnstartedServer does. The caller should call
// Close when finished.
func NewUnstartedServer(cfg server.Config) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("mcpvcrtest: failed to listen on a port: %v", err))
	}
	return &Server{URL: "http://" + ln.Addr().String(), Listener: ln, Config: cfg, Markers: harness.NewMarkerLog()}
}

// NewServer starts a server for cfg. The caller should call Close when
// finished.
func NewServer(cfg server.Config) (*Server, error) {
	s := NewUnstartedServer(cfg)
	if err := s.Start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Start starts a server for cfg and closes it when t's test ends. cfg.Issuer
// empty means the server's URL; cfg.LogOutput nil means the text log is
// shown through t.Log only if the test fails.
func Start(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	s := NewUnstartedServer(cfg)
	t.Cleanup(func() {
		s.Close()
		if t.Failed() && s.Config.LogOutput == &s.log {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	if err := s.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	return s
}

// Start builds the server from Config and starts serving. It panics if the
// server was already started, as httptest's Start does.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		panic("mcpvcrtest: Server already started")
	}
	s.started = true
	cfg := s.Config
	if cfg.RedisURL == "" {
		s.Mini = miniredis.NewMiniRedis()
		if err := s.Mini.StartAddr("127.0.0.1:0"); err != nil {
			return fmt.Errorf("start miniredis: %w", err)
		}
		cfg.RedisURL = "redis://" + s.Mini.Addr()
	}
	if cfg.RedisKeyPrefix == "" {
		var b [6]byte
		rand.Read(b[:])
		cfg.RedisKeyPrefix = "mcpvcr-test:" + hex.EncodeToString(b[:]) + ":"
		s.flush = s.Mini == nil
	}
	s.KeyPrefix = cfg.RedisKeyPrefix
	cfg.Addr = s.Listener.Addr().String()
	if cfg.Issuer == "" {
		cfg.Issuer = s.URL
	}
	if cfg.LogOutput == nil {
		cfg.LogOutput = &s.log
	}
	s.Config = cfg
	srv, err := server.New(cfg)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	s.Server = srv
	if s.Markers == nil {
		s.Markers = harness.NewMarkerLog()
	}
	markers, prefix := s.Markers, ""
	if s.Name != "" {
		prefix = s.Name + ": "
	}
	srv.Logger().OnEvent(func(e server.Event) {
		// Called under the logger's lock: Add only takes the log's.
		markers.Add(harness.Marker{Time: e.Time, Name: string(e.Marker), Detail: e.Detail,
			Request: e.RequestID, Session: e.SessionID, Line: prefix + e.Text()})
	})
	s.hs = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second}
	go s.hs.Serve(s.Listener)
	return nil
}

// OnEvent registers f to be called with every event the server logs
// (server.Logger.OnEvent), for tests that need the typed event.
func (s *Server) OnEvent(f func(server.Event)) { s.Server.Logger().OnEvent(f) }

// Handle serves h at pattern (an http.ServeMux pattern) in front of the
// server's own routes: an extra endpoint a test needs beside the server's.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.extra == nil {
		s.extra = http.NewServeMux()
	}
	s.extra.Handle(pattern, h)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	extra := s.extra
	s.mu.Unlock()
	if extra != nil {
		if h, pattern := extra.Handler(r); pattern != "" {
			h.ServeHTTP(w, r)
			return
		}
	}
	s.Server.ServeHTTP(w, r)
}

// Log returns the server's text log so far, when Config.LogOutput was left
// nil.
func (s *Server) Log() string { return s.log.String() }

// Close stops serving, closes every connection (so each open stream logs
// its end), closes the server and its miniredis, and deletes the keys it
// wrote to a real Redis. It may be called more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	if s.hs != nil {
		s.hs.Close()
	} else {
		s.Listener.Close()
	}
	if s.Server != nil {
		s.Server.Close()
	}
	if s.Mini != nil {
		s.Mini.Close()
	}
	if s.flush {
		flushPrefix(s.Config.RedisURL, s.KeyPrefix)
	}
}

// Replica starts a second server sharing s's Redis, key prefix and issuer:
// replicas behind one public URL, where tokens are valid on both and MCP
// sessions live in each process. cfg's Redis and issuer fields are
// overwritten. The caller should call Close when finished (before s's).
func (s *Server) Replica(cfg server.Config) (*Server, error) {
	cfg.RedisURL, cfg.RedisKeyPrefix, cfg.Issuer = s.Config.RedisURL, s.KeyPrefix, s.Config.Issuer
	return NewServer(cfg)
}

// RequireMini skips the test unless the server runs on its own miniredis
// (needed to FastForward or stop Redis).
func (s *Server) RequireMini(t testing.TB) {
	t.Helper()
	if s.Mini == nil {
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
	if err := iter.Err(); err != nil {
		return nil
	}
	if len(keys) > 0 {
		return rdb.Del(ctx, keys...).Err()
	}
	return nil
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
