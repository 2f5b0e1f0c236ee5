package mcpvcrtest

import (
	"net/http"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// Server is an mcpvcr server on a loopback port, shaped after
// httptest.Server, with every marker it logs captured:
//
//	test > Server.URL (127.0.0.1:PORT) > server.Server > Redis (miniredis or Config.RedisURL)
//	                                          │ markers
//	                                          ▼
//	                                   Server.Markers
//
// With an empty Config.RedisURL the server gets a miniredis of its own,
// exposed as Mini so a test can FastForward its clock or stop it. With a
// real Redis URL it gets a fresh key prefix, and its keys are deleted at
// Close, so tests can share one Redis. (It is server/servertest's server,
// which the harness's own tests use, plus the harness's marker log.)
type Server struct {
	// URL is the base URL and, unless Config.Issuer says otherwise, the
	// issuer: "http://127.0.0.1:PORT".
	URL string
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

	core *servertest.Server
}

// NewUnstartedServer returns a server with its port bound, so URL is
// known, but not yet built or serving: change Config (put a tunnel's URL
// in Config.Issuer, say), then call Start. It panics when it cannot
// listen, as httptest.NewUnstartedServer does. The caller should call
// Close when finished.
func NewUnstartedServer(cfg server.Config) *Server {
	core := servertest.NewUnstartedServer(cfg)
	return &Server{URL: core.URL, Config: cfg, Markers: harness.NewMarkerLog(), core: core}
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
	t.Cleanup(func() { s.core.CloseFor(t) })
	if err := s.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	return s
}

// Start builds the server from Config and starts serving. It panics if the
// server was already started, as httptest's Start does.
func (s *Server) Start() error {
	if s.Markers == nil {
		s.Markers = harness.NewMarkerLog()
	}
	into, prefix := s.Markers, ""
	if s.Name != "" {
		prefix = s.Name + ": "
	}
	s.core.OnEvent(func(e markers.Event) {
		// Called under the logger's lock: Add only takes the log's.
		e.Line = prefix + e.Text()
		into.Add(e)
	})
	s.core.Config = s.Config
	err := s.core.Start()
	s.Config, s.Server, s.Mini, s.KeyPrefix = s.core.Config, s.core.Server, s.core.Mini, s.core.KeyPrefix
	return err
}

// OnEvent registers f to be called with every event the server logs, for
// tests that need the typed event; before Start it takes effect at Start.
func (s *Server) OnEvent(f func(markers.Event)) { s.core.OnEvent(f) }

// Handle serves h at pattern (an http.ServeMux pattern) in front of the
// server's own routes: an extra endpoint a test needs beside the server's.
func (s *Server) Handle(pattern string, h http.Handler) { s.core.Handle(pattern, h) }

// Log returns the server's text log so far, when Config.LogOutput was left
// nil.
func (s *Server) Log() string { return s.core.Log() }

// Close stops serving, closes every connection (so each open stream logs
// its end), closes the server and its miniredis, and deletes the keys it
// wrote to a real Redis. It may be called more than once.
func (s *Server) Close() { s.core.Close() }

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
	s.core.RequireMini(t)
}

// EachRedis runs f as a subtest "miniredis" with an empty Redis URL, and
// again as "redis" with $REDIS_URL when it is set (.ci/run sets it).
func EachRedis(t *testing.T, f func(t *testing.T, redisURL string)) {
	t.Helper()
	servertest.EachRedis(t, f)
}
