package scenarios

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/mcpvcrtest"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/rogpeppe/go-internal/testscript"
)

// world is everything one scenario started: servers, tunnels, clients and
// the streams the clients opened. Every server logs into one MarkerLog, in
// order, each line prefixed with the server's name.
type world struct {
	// scale multiplies every duration written in the script (see timescale).
	scale timescale.Scale

	mu      sync.Mutex
	servers map[string]*liveServer
	tunnels map[string]*liveTunnel
	lastHop string // the server or tunnel started last: the default -via
	clients map[string]*client
	streams map[string]*stream
	order   []string // stream names in the order they were opened
	markers *harness.MarkerLog
	report  *harness.Report
	// reportHop is the hop the last replay went to: its streams are
	// reportHop.0, reportHop.1, ...
	reportHop string
	closers   []func()
	nStreams  int
}

type worldKey struct{}

func newWorld() *world {
	return &world{
		scale:   1,
		servers: map[string]*liveServer{},
		tunnels: map[string]*liveTunnel{},
		clients: map[string]*client{},
		streams: map[string]*stream{},
		markers: harness.NewMarkerLog(),
	}
}

// worldOf returns the scenario's world (made by setupWorld).
func worldOf(ts *testscript.TestScript) *world { return ts.Value(worldKey{}).(*world) }

// setupWorld is testscript's Setup: one world per script, torn down with it.
func setupWorld(env *testscript.Env) error {
	w := newWorld()
	env.Values[worldKey{}] = w
	start := time.Now()
	env.Defer(func() {
		w.close()
		// The world's time the scenario covered, for `make bench`: at
		// scale 0.01 one wall second is 100 s of tunnel and server time.
		env.T().Log(fmt.Sprintf("simulated %s (wall %s at scale %g)",
			time.Duration(float64(time.Since(start))/w.scale.Factor()).Round(time.Millisecond), time.Since(start).Round(time.Millisecond), w.scale))
	})
	// testscript starts from an empty environment: pass on what the
	// conditions [redis] and [node] are about.
	env.Setenv("REDIS_URL", os.Getenv("REDIS_URL"))
	env.Setenv("NODE_DIR", nodeDir())
	return nil
}

// close stops, in reverse order, everything the scenario started.
func (w *world) close() {
	w.mu.Lock()
	streams := make([]*stream, 0, len(w.streams))
	for _, s := range w.streams {
		streams = append(streams, s)
	}
	closers := w.closers
	w.closers = nil
	w.mu.Unlock()
	for _, s := range streams {
		if s.Stream != nil {
			s.Close()
		}
	}
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
}

func (w *world) onClose(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closers = append(w.closers, f)
}

// dur parses a duration written in the script, in production time, and
// returns it multiplied by the scenario's time scale.
func (w *world) dur(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want Go syntax like 100s or 250ms", s)
	}
	return time.Duration(float64(d) * w.scale.Factor()), nil
}

// waitFloor is the least real time a positive wait allows: waiting longer
// for something that does come proves nothing false, and this 2-core
// machine is loaded. Negative waits (! wait-...) use the scaled timeout
// exactly: there the time is what is being asserted.
const waitFloor = 5 * time.Second

// liveServer is one mcpvcr server on a loopback port, started by the kit.
type liveServer struct {
	name string
	url  string
	cfg  server.Config        // as started: Addr, Issuer and Redis filled in
	mini *miniredis.Miniredis // nil on a real Redis
	srv  *server.Server
}

// startServer starts a server named name for cfg, its markers going to the
// world's log with the name in front. With sharedWith set it shares that
// server's Redis and key prefix (a replica: tokens are valid on both, MCP
// sessions live in each process).
func (w *world) startServer(name string, cfg server.Config, sharedWith *liveServer) (*liveServer, error) {
	w.mu.Lock()
	_, dup := w.servers[name]
	w.mu.Unlock()
	if dup {
		return nil, fmt.Errorf("server %q already started", name)
	}
	ls := &liveServer{name: name}
	if sharedWith != nil {
		ls.mini = sharedWith.mini
		cfg.RedisURL = sharedWith.cfg.RedisURL
		cfg.RedisKeyPrefix = sharedWith.cfg.RedisKeyPrefix
		// Replicas sit behind one public URL: one issuer, one audience.
		cfg.Issuer = sharedWith.cfg.Issuer
	}
	ks := mcpvcrtest.NewUnstartedServer(cfg)
	ks.Name, ks.Markers = name, w.markers
	w.onClose(ks.Close)
	if err := ks.Start(); err != nil {
		return nil, fmt.Errorf("server %s: %w", name, err)
	}
	if ks.Mini != nil {
		ls.mini = ks.Mini
	}
	ls.url, ls.cfg, ls.srv = ks.URL, ks.Config, ks.Server
	w.mu.Lock()
	w.servers[name] = ls
	w.lastHop = name
	w.mu.Unlock()
	return ls, nil
}

// liveTunnel is a hop in front of a server: a toxics tunnel, or a
// harness recorder.
type liveTunnel struct {
	name     string
	url      string
	tunnel   *toxics.Tunnel
	recorder *harness.Recorder

	mu  sync.Mutex
	log []string // the tunnel's connection and balancer lines
}

// logLine keeps one of the tunnel's lines (TunnelOptions.ConnLog) for the
// evidence of a failing scenario.
func (t *liveTunnel) logLine(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.log = append(t.log, time.Now().Format("15:04:05.000000")+" "+s)
}

// balancerLog returns the tunnel's balancer lines, when it has a balancer.
func (t *liveTunnel) balancerLog() []string {
	if t.tunnel == nil || t.tunnel.Balancer == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, l := range t.log {
		if strings.Contains(l, " balancer: ") {
			out = append(out, l)
		}
	}
	return out
}

// addHop registers a hop under a fresh name and makes it the default -via.
func (w *world) addHop(name string, t *liveTunnel) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, dup := w.tunnels[name]
	_, clash := w.servers[name]
	if dup || clash {
		return fmt.Errorf("name %q already used by a tunnel, recorder or server", name)
	}
	w.tunnels[name] = t
	w.lastHop = name
	return nil
}

func (w *world) startTunnel(name string, opts toxics.TunnelOptions) (*liveTunnel, error) {
	w.mu.Lock()
	_, dup := w.tunnels[name]
	_, clash := w.servers[name]
	w.mu.Unlock()
	if dup || clash {
		return nil, fmt.Errorf("name %q already used by a tunnel or server", name)
	}
	opts.Name = name
	lt := &liveTunnel{name: name}
	opts.ConnLog = lt.logLine
	t, err := toxics.OpenTunnel(opts)
	if err != nil {
		return nil, fmt.Errorf("tunnel %s: %w", name, err)
	}
	lt.url, lt.tunnel = "http://"+t.Addr, t
	w.onClose(func() { t.Close() })
	if err := w.addHop(name, lt); err != nil {
		return nil, err
	}
	return lt, nil
}

// server returns the named server ("" = the first one started, "a").
func (w *world) server(name string) (*liveServer, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if name == "" {
		name = "a"
	}
	s, ok := w.servers[name]
	if !ok {
		return nil, fmt.Errorf("no server %q (started: %s); start one with `server`", name, keys(w.servers))
	}
	return s, nil
}

// hop returns the base URL of a server or tunnel by name; "" means the one
// started last.
func (w *world) hop(name string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if name == "" {
		name = w.lastHop
	}
	if t, ok := w.tunnels[name]; ok {
		return t.url, nil
	}
	if s, ok := w.servers[name]; ok {
		return s.url, nil
	}
	if name == "" {
		return "", errors.New("nothing to talk to: start a `server` first")
	}
	return "", fmt.Errorf("no server or tunnel %q (servers: %s; tunnels: %s)", name, keys(w.servers), keys(w.tunnels))
}

func keys[V any](m map[string]V) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// client returns the named client, creating it on first use.
func (w *world) client(name string) *client {
	w.mu.Lock()
	defer w.mu.Unlock()
	if name == "" {
		name = "c"
	}
	c, ok := w.clients[name]
	if !ok {
		c = &client{name: name, protocol: "2025-06-18"}
		w.clients[name] = c
	}
	return c
}

// addStream registers a stream; an empty name gets the next "sN".
func (w *world) addStream(s *stream) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.nStreams++
	if s.name == "" {
		s.name = fmt.Sprintf("s%d", w.nStreams)
	}
	if _, dup := w.streams[s.name]; dup {
		return fmt.Errorf("stream %q already exists", s.name)
	}
	w.streams[s.name] = s
	w.order = append(w.order, s.name)
	return nil
}

// stream returns the named stream; "" means the one opened last.
func (w *world) stream(name string) (*stream, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if name == "" {
		if len(w.order) == 0 {
			return nil, errors.New("no stream opened yet")
		}
		name = w.order[len(w.order)-1]
	}
	s, ok := w.streams[name]
	if !ok {
		return nil, fmt.Errorf("no stream %q (opened: %s)", name, strings.Join(w.order, ", "))
	}
	return s, nil
}

// evidence is what a failing scenario prints besides the script line: the
// markers and every stream's timeline.
func (w *world) evidence() string {
	var b strings.Builder
	ms := w.markers.Markers()
	fmt.Fprintf(&b, "markers seen (%d):\n", len(ms))
	for _, m := range ms {
		fmt.Fprintf(&b, "  #%-4d %s %s\n", m.Seq, m.Time.Format("15:04:05.000000"), m)
	}
	w.mu.Lock()
	names := append([]string(nil), w.order...)
	w.mu.Unlock()
	fmt.Fprintf(&b, "stream timelines (%d):\n", len(names))
	for _, n := range names {
		s, _ := w.stream(n)
		b.WriteString(indent(s.describe()))
	}
	w.mu.Lock()
	tunnels := make([]*liveTunnel, 0, len(w.tunnels))
	for _, t := range w.tunnels {
		tunnels = append(tunnels, t)
	}
	w.mu.Unlock()
	for _, t := range tunnels {
		if lines := t.balancerLog(); len(lines) > 0 {
			fmt.Fprintf(&b, "tunnel %s balancer (%d):\n", t.name, len(lines))
			b.WriteString(indent(strings.Join(lines, "\n")))
		}
	}
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}
