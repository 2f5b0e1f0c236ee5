package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpvcr/mcpvcr/oauthclient"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Run drives many concurrent MCP sessions against one server, the way a
// fleet of connectors would, and reports errors, lost listen-stream events,
// latency per step and memory. Each session is what Claude's connector
// does (docs/field-failures.md "What Claude's connector sends"), minus discovery:
//
//	POST /register (DCR, public client)     register
//	GET  /authorize (auto-approved, S256)   authorize
//	POST /token (code + verifier)           token
//	initialize + initialized                initialize
//	GET /mcp, the listen stream             listen
//	logging/setLevel info                   logging/setLevel
//	      ... every session waits here until all are open ...
//	N tool calls: echo, and every k-th a notify whose log messages
//	arrive on the listen stream             tools/call echo|notify
//	DELETE /mcp                             close
//
// Every session is open at the same time before the first tool call, so
// the run holds Sessions sessions, each with a listen stream, concurrently.
// Run is bounded: it stops when every session is done or when
// Options.Timeout ends, whichever comes first.
func Run(ctx context.Context, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	if u, err := url.Parse(opts.URL); err != nil || u.Host == "" {
		return nil, fmt.Errorf("load: Options.URL %q: want the server's base URL, e.g. http://127.0.0.1:8081", opts.URL)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	transport := opts.Transport
	if transport == nil {
		// One pool for the fleet: each session keeps a listen stream and
		// reuses one idle connection for its POSTs.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 2 * opts.Sessions
		t.MaxIdleConnsPerHost = 2 * opts.Sessions
		t.DisableCompression = true
		defer t.CloseIdleConnections()
		transport = t
	}

	run := &loadRun{
		opts:      opts,
		transport: transport,
		latencies: map[Step][]time.Duration{},
		allOpen:   make(chan struct{}),
	}
	run.toOpen.Store(int64(opts.Sessions))
	mem := startMemorySampler()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range opts.Sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.session(ctx, i)
		}()
	}
	wg.Wait()
	rep := run.report()
	rep.Elapsed = time.Since(start)
	rep.PeakHeap, rep.PeakRSS, rep.PeakFDs = mem.stop()
	if ctx.Err() != nil && rep.Completed < rep.Sessions {
		rep.fail(-1, "run", fmt.Errorf("stopped by the %s time limit: %w", opts.Timeout, ctx.Err()))
	}
	return rep, nil
}

// Options configures Run. Zero fields take the defaults in their
// comments.
type Options struct {
	// URL is the server's base URL as clients reach it (through a tunnel,
	// say): "http://127.0.0.1:8081". Required.
	URL string
	// Sessions run concurrently (default 20).
	Sessions int
	// Calls is the number of tool calls per session (default 20).
	Calls int
	// NotifyEvery makes every n-th call a notify (default 5).
	NotifyEvery int
	// EventsPerNotify is the number of log messages each notify sends to
	// the listen stream (default 3).
	EventsPerNotify int
	// Timeout bounds the whole run (default 2 minutes).
	Timeout time.Duration
	// Transport carries every request; nil means a pool sized for the
	// sessions.
	Transport http.RoundTripper
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Sessions, 20)
	def(&o.Calls, 20)
	def(&o.NotifyEvery, 5)
	def(&o.EventsPerNotify, 3)
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	o.URL = strings.TrimSuffix(o.URL, "/")
	return o
}

// Step names a measured step of a load session.
type Step string

const (
	StepRegister   Step = "register"
	StepAuthorize  Step = "authorize"
	StepToken      Step = "token"
	StepInitialize Step = "initialize"
	StepListen     Step = "listen"
	StepSetLevel   Step = "logging/setLevel"
	// StepFirstCall is each session's first tool call (an echo): every
	// session makes it at the same moment, when the last one is open, so
	// it measures the burst, apart from the steady calls after it.
	StepFirstCall Step = "first call (burst)"
	StepEcho      Step = "tools/call echo"
	StepNotify    Step = "tools/call notify"
	// StepEvents is the time from the start of a notify call until the
	// last of its log messages arrived on the listen stream.
	StepEvents Step = "notify events"
	StepClose  Step = "close"
)

var loadSteps = []Step{StepRegister, StepAuthorize, StepToken, StepInitialize, StepListen, StepSetLevel, StepFirstCall, StepEcho, StepNotify, StepEvents, StepClose}

// Report is what a load run measured.
type Report struct {
	Sessions int
	// Completed counts sessions that did every step without error.
	Completed int
	// Errors counts failed steps; ErrorSamples holds the first few.
	Errors       int
	ErrorSamples []string
	// EventsSent is the number of log messages the notify calls sent
	// (acknowledged by their results); EventsReceived those that arrived
	// on the listen streams, each counted once.
	EventsSent, EventsReceived int64
	// Duplicates counts log messages that arrived more than once.
	Duplicates int64
	// ServerErrors counts 5xx answers; ServerErrorSamples keeps the first
	// few with their bodies, which say why (a 503 from the token store).
	ServerErrors       int
	ServerErrorSamples []string
	// Retries counts requests sent again after a 503 (at most 3 each,
	// after 100, 200 and 400 ms); a session that succeeds after them
	// is not an error.
	Retries int
	Steps   []StepStats
	Elapsed time.Duration
	// PeakHeap is the largest Go heap seen (sampled every 50 ms), and
	// PeakRSS the process's peak resident set (Linux VmHWM; 0 elsewhere).
	// Both cover the whole process: clients, and whatever server or
	// tunnel runs in it.
	PeakHeap, PeakRSS uint64
	// PeakFDs is the most file descriptors the process held at once
	// (sampled from /proc/self/fd; 0 elsewhere): each session costs a
	// few sockets on every side of the tunnel, so a run must fit the
	// process's open-file limit (`ulimit -n`; Go raises the soft limit
	// to the hard one at start).
	PeakFDs int
}

// Lost is the number of events sent and never received.
func (r *Report) Lost() int64 { return r.EventsSent - r.EventsReceived }

// OK reports whether the run had no error and lost no event.
func (r *Report) OK() bool {
	return r.Errors == 0 && r.Lost() == 0 && r.Duplicates == 0 && r.Completed == r.Sessions
}

// StepStats is the latency of one step over every session.
type StepStats struct {
	Step          Step
	Count         int
	P50, P99, Max time.Duration
}

// WriteText writes the report as the plain text `mcpvcr load` prints.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "sessions %d, completed %d, errors %d\n", r.Sessions, r.Completed, r.Errors)
	for _, e := range r.ErrorSamples {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	if r.ServerErrors > 0 {
		fmt.Fprintf(w, "server 5xx answers: %d (requests retried after a 503: %d)\n", r.ServerErrors, r.Retries)
		for _, e := range r.ServerErrorSamples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	fmt.Fprintf(w, "listen-stream events: sent %d, received %d, lost %d, duplicated %d\n", r.EventsSent, r.EventsReceived, r.Lost(), r.Duplicates)
	fmt.Fprintf(w, "%-18s %7s %10s %10s %10s\n", "step", "count", "p50", "p99", "max")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "%-18s %7d %10s %10s %10s\n", s.Step, s.Count, round(s.P50), round(s.P99), round(s.Max))
	}
	fmt.Fprintf(w, "total time %s, peak Go heap %.1f MiB, peak RSS %.1f MiB, peak open files %d\n", r.Elapsed.Round(time.Millisecond), mib(r.PeakHeap), mib(r.PeakRSS), r.PeakFDs)
}

func round(d time.Duration) time.Duration {
	if d >= 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// maxErrorSamples bounds the errors a report keeps word for word.
const maxErrorSamples = 10

type loadRun struct {
	opts      Options
	transport http.RoundTripper

	mu        sync.Mutex
	latencies map[Step][]time.Duration
	rep       Report

	// toOpen counts sessions not yet open (or failed); allOpen is closed
	// when it reaches zero.
	toOpen  atomic.Int64
	allOpen chan struct{}
}

func (r *loadRun) observe(step Step, d time.Duration) {
	r.mu.Lock()
	r.latencies[step] = append(r.latencies[step], d)
	r.mu.Unlock()
}

func (r *loadRun) fail(session int, step Step, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.fail(session, step, err)
}

// retried counts a request sent again after a 503.
func (r *loadRun) retried() {
	r.mu.Lock()
	r.rep.Retries++
	r.mu.Unlock()
}

// serverError records a 5xx answer, keeping its body for the first few.
func (r *loadRun) serverError(req *http.Request, resp *http.Response) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.ServerErrors++
	if len(r.rep.ServerErrorSamples) >= maxErrorSamples {
		return
	}
	// Error bodies are OAuth or plain-text errors, never secrets.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	r.rep.ServerErrorSamples = append(r.rep.ServerErrorSamples, fmt.Sprintf("%s %s = %s: %s", req.Method, req.URL.Path, resp.Status, strings.TrimSpace(string(body))))
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (rep *Report) fail(session int, step Step, err error) {
	rep.Errors++
	if len(rep.ErrorSamples) < maxErrorSamples {
		rep.ErrorSamples = append(rep.ErrorSamples, fmt.Sprintf("session %d %s: %v", session, step, err))
	}
}

// opened marks one session open (or given up); the last one releases all.
func (r *loadRun) opened() {
	if r.toOpen.Add(-1) == 0 {
		close(r.allOpen)
	}
}

// timed runs f and records its latency under step when it succeeds.
func (r *loadRun) timed(step Step, f func() error) error {
	start := time.Now()
	if err := f(); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	r.observe(step, time.Since(start))
	return nil
}

// session runs one session; it records its own errors.
func (r *loadRun) session(ctx context.Context, i int) {
	s := &loadSession{run: r, index: i, listenOpen: make(chan struct{}),
		seen: map[string]bool{}, expected: map[int]int{}, arrived: map[int]chan bool{}, lastAt: map[int]time.Time{}}
	s.http = &http.Client{Transport: s, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	isOpen := false
	defer func() {
		if !isOpen {
			r.opened()
		}
	}()
	step, err := s.open(ctx)
	if err != nil {
		r.fail(i, step, err)
		if s.cs != nil {
			s.cs.Close()
		}
		return
	}
	isOpen = true
	r.opened()
	select {
	case <-r.allOpen:
	case <-ctx.Done():
		s.cs.Close()
		r.fail(i, "wait for the other sessions", ctx.Err())
		return
	}
	step, err = s.work(ctx)
	closeErr := r.timed(StepClose, s.cs.Close)
	s.mu.Lock()
	sent, received, dups := s.sent, int64(len(s.seen)), s.dups
	s.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.EventsSent += sent
	r.rep.EventsReceived += received
	r.rep.Duplicates += dups
	if err != nil {
		r.rep.fail(i, step, err)
		return
	}
	if closeErr != nil {
		r.rep.fail(i, StepClose, closeErr)
		return
	}
	r.rep.Completed++
}

func (r *loadRun) report() *Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := r.rep
	rep.Sessions = r.opts.Sessions
	for _, step := range loadSteps {
		ds := r.latencies[step]
		if len(ds) == 0 {
			continue
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		rep.Steps = append(rep.Steps, StepStats{Step: step, Count: len(ds), P50: percentile(ds, 50), P99: percentile(ds, 99), Max: ds[len(ds)-1]})
	}
	return &rep
}

// percentile returns the nearest-rank p-th percentile of sorted ds.
func percentile(ds []time.Duration, p int) time.Duration {
	k := (len(ds)*p + 99) / 100
	return ds[max(k, 1)-1]
}

// loadSession is one client. It is its own http.RoundTripper: it adds the
// bearer token to MCP requests and notices when the listen stream opens.
type loadSession struct {
	run        *loadRun
	index      int
	http       *http.Client
	token      string
	cs         *mcp.ClientSession
	listenOpen chan struct{}
	listenOnce sync.Once
	listenErr  atomic.Value // error from the listen GET

	mu       sync.Mutex
	seen     map[string]bool // log messages received, by "call/n"
	dups     int64
	sent     int64
	expected map[int]int       // notify call -> messages still to come
	arrived  map[int]chan bool // notify call -> closed when all arrived
	lastAt   map[int]time.Time // notify call -> when its last message arrived
}

func (s *loadSession) RoundTrip(req *http.Request) (*http.Response, error) {
	isMCP := strings.HasSuffix(req.URL.Path, "/mcp")
	if isMCP && s.token != "" {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	start := time.Now()
	resp, err := s.send(req)
	if isMCP && req.Method == http.MethodGet {
		switch {
		case err != nil:
			s.listenFailed(err)
		case resp.StatusCode != http.StatusOK:
			s.listenFailed(fmt.Errorf("GET /mcp = %s", resp.Status))
		default:
			s.run.observe(StepListen, time.Since(start))
			s.listenOnce.Do(func() { close(s.listenOpen) })
		}
	}
	return resp, err
}

// maxRetries bounds the retries of one request answered 503.
const maxRetries = 3

// send sends req, and again after a pause when the server answers 503:
// this server says 503 temporarily_unavailable, "retry later", when its
// token store is slow or down, and a client that retries is what it asks
// for. Every 5xx is counted in the report whether retried or not, and the
// pauses count in the step's latency.
func (s *loadSession) send(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := s.run.transport.RoundTrip(req)
		if err != nil || resp.StatusCode < 500 {
			return resp, err
		}
		s.run.serverError(req, resp)
		replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		if resp.StatusCode != http.StatusServiceUnavailable || attempt == maxRetries || !replayable {
			return resp, nil
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		select {
		case <-time.After(time.Duration(100<<attempt) * time.Millisecond):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		s.run.retried()
		req = req.Clone(req.Context())
		if req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
	}
}

func (s *loadSession) listenFailed(err error) {
	s.listenOnce.Do(func() {
		s.listenErr.Store(err)
		close(s.listenOpen)
	})
}

// redirectURI is where the authorization server sends the code. Nothing
// listens there: the redirect is read, never followed.
const redirectURI = "http://127.0.0.1:9/callback"

// loadSessionOptions pins the load generator to 2025-11-25: its steps are
// the session flow (initialize, the GET listen stream, logging/setLevel),
// and go-sdk v1.8.0 would otherwise speak 2026-07-28.
var loadSessionOptions = &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}

// open does OAuth, initialize, the listen stream and setLevel.
func (s *loadSession) open(ctx context.Context) (Step, error) {
	r := s.run
	oauth := &oauthclient.Client{Issuer: r.opts.URL, HTTPClient: s.http, ClientName: fmt.Sprintf("mcpvcr load %d", s.index), RedirectURI: redirectURI}
	if err := r.timed(StepRegister, func() error { return oauth.Register(ctx) }); err != nil {
		return StepRegister, err
	}
	p := oauthclient.NewPKCE()
	var code string
	if err := r.timed(StepAuthorize, func() (err error) { code, err = oauth.Authorize(ctx, p, rand.Text()); return }); err != nil {
		return StepAuthorize, err
	}
	if err := r.timed(StepToken, func() error {
		tok, err := oauth.Exchange(ctx, code, p)
		if err == nil {
			s.token = tok.AccessToken
		}
		return err
	}); err != nil {
		return StepToken, err
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "mcpvcr-load", Version: "1"}, &mcp.ClientOptions{LoggingMessageHandler: s.onLog})
	transport := &mcp.StreamableClientTransport{Endpoint: r.opts.URL + "/mcp", HTTPClient: s.http, MaxRetries: -1}
	if err := r.timed(StepInitialize, func() (err error) { s.cs, err = client.Connect(ctx, transport, loadSessionOptions); return }); err != nil {
		return StepInitialize, err
	}
	select {
	case <-s.listenOpen:
		if err, _ := s.listenErr.Load().(error); err != nil {
			return StepListen, err
		}
	case <-ctx.Done():
		return StepListen, fmt.Errorf("listen stream not open: %w", ctx.Err())
	}
	if err := r.timed(StepSetLevel, func() error {
		return s.cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"})
	}); err != nil {
		return StepSetLevel, err
	}
	return "", nil
}

// work makes the tool calls, then waits for the notify events.
func (s *loadSession) work(ctx context.Context) (Step, error) {
	r := s.run
	var waits []func() error
	for call := 1; call <= r.opts.Calls; call++ {
		if call%r.opts.NotifyEvery == 0 {
			wait, err := s.notify(ctx, call)
			if err != nil {
				return StepNotify, err
			}
			waits = append(waits, wait)
			continue
		}
		text := fmt.Sprintf("session %d call %d", s.index, call)
		step := StepEcho
		if call == 1 {
			step = StepFirstCall
		}
		var res *mcp.CallToolResult
		if err := r.timed(step, func() (err error) {
			res, err = s.cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": text}})
			return err
		}); err != nil {
			return StepEcho, err
		}
		if got := resultText(res); res.IsError || got != text {
			return StepEcho, fmt.Errorf("echo returned %q (isError %v), want %q", got, res.IsError, text)
		}
	}
	for _, wait := range waits {
		if err := wait(); err != nil {
			return StepEvents, err
		}
	}
	return "", nil
}

// notify calls the notify tool and returns a function that waits for its
// messages on the listen stream.
func (s *loadSession) notify(ctx context.Context, call int) (func() error, error) {
	n := s.run.opts.EventsPerNotify
	arrived := make(chan bool)
	s.mu.Lock()
	s.expected[call], s.arrived[call] = n, arrived
	s.mu.Unlock()
	start := time.Now()
	var res *mcp.CallToolResult
	if err := s.run.timed(StepNotify, func() (err error) {
		res, err = s.cs.CallTool(ctx, &mcp.CallToolParams{Name: "notify", Arguments: map[string]any{"count": n, "message": s.tag(call)}})
		return err
	}); err != nil {
		return nil, err
	}
	if res.IsError {
		return nil, fmt.Errorf("notify: tool error %q", resultText(res))
	}
	s.mu.Lock()
	s.sent += int64(n)
	s.mu.Unlock()
	return func() error {
		select {
		case <-arrived:
			s.mu.Lock()
			at := s.lastAt[call]
			s.mu.Unlock()
			s.run.observe(StepEvents, at.Sub(start))
			return nil
		case <-ctx.Done():
			s.mu.Lock()
			missing := s.expected[call]
			s.mu.Unlock()
			return fmt.Errorf("call %d: %d of %d log messages never arrived on the listen stream: %w", call, missing, n, ctx.Err())
		}
	}, nil
}

// tag names a notify call in its messages, so a message delivered to the
// wrong session is noticed.
func (s *loadSession) tag(call int) string { return fmt.Sprintf("load s%d c%d", s.index, call) }

// onLog counts a log message from the listen stream.
func (s *loadSession) onLog(_ context.Context, req *mcp.LoggingMessageRequest) {
	var d struct {
		Message string `json:"message"`
		N       int    `json:"n"`
	}
	b, _ := json.Marshal(req.Params.Data)
	json.Unmarshal(b, &d)
	var call int
	if _, err := fmt.Sscanf(d.Message, "load s%d c%d", new(int), &call); err != nil || d.Message != s.tag(call) {
		s.run.fail(s.index, StepEvents, fmt.Errorf("foreign log message %s", b))
		return
	}
	if err := s.count(call, d.N); err != nil {
		s.run.fail(s.index, StepEvents, err)
	}
}

// count records message n of a notify call; the last one expected closes
// the call's arrived channel.
func (s *loadSession) count(call, n int) error {
	key := strconv.Itoa(call) + "/" + strconv.Itoa(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	arrived, ok := s.arrived[call]
	if !ok {
		return fmt.Errorf("log message for call %d, which was no notify", call)
	}
	if s.seen[key] {
		s.dups++
		return nil
	}
	s.seen[key] = true
	s.expected[call]--
	if s.expected[call] == 0 {
		s.lastAt[call] = time.Now()
		close(arrived)
	}
	return nil
}

func resultText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

// memorySampler follows the Go heap and the open files while a run lasts.
type memorySampler struct {
	stopc   chan struct{}
	done    chan struct{}
	peak    uint64
	peakFDs int
}

func startMemorySampler() *memorySampler {
	m := &memorySampler{stopc: make(chan struct{}), done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value; v.Kind() == metrics.KindUint64 && v.Uint64() > m.peak {
			m.peak = v.Uint64()
		}
		if fds, err := os.ReadDir("/proc/self/fd"); err == nil && len(fds) > m.peakFDs {
			m.peakFDs = len(fds)
		}
	}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			read()
			select {
			case <-tick.C:
			case <-m.stopc:
				read()
				return
			}
		}
	}()
	return m
}

// stop ends sampling and returns the peak heap, the peak RSS and the
// most open files.
func (m *memorySampler) stop() (heap, rss uint64, fds int) {
	close(m.stopc)
	<-m.done
	return m.peak, peakRSS(), m.peakFDs
}

// peakRSS reads the process's high-water resident set from
// /proc/self/status (Linux); 0 where there is none.
func peakRSS() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// clip shortens an answer quoted in an error.
func clip(s string) string {
	if len(s) > 160 {
		return s[:160] + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return s
}
