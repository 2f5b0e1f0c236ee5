// Package matrix replays every recorded fixture through every tunnel
// profile, each against a fresh server, and says in one line per cell what
// the tunnel did to the session:
//
//	fixtures/*.yaml × toxics.Profiles():
//	  replayer > tunnel(profile, time scale) > server (fresh miniredis)
//	                                            │ markers
//	  timelines + markers ──► Outcome + diagnosis ◄┘
//
// `mcpvcr demo` and `mcpvcr check --serve` (make run) print the table; the package test
// compares every cell with fixtures/expectations.txt.
//
//	cells, err := matrix.Run(ctx, matrix.Options{FixturesDir: "fixtures"})
//	matrix.WriteTable(os.Stdout, cells)
package matrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/mcpvcr/mcpvcr/toxics/realproxy"
)

// Defaults of Options.
const (
	// DefaultTimeScale runs Cloudflare's 100 s idle cut as 1 s, ALB's 60 s
	// as 600 ms and the server's 15 s keepalive as 150 ms: the same races,
	// a hundred times faster. At 0.001 (60 ms cuts) a machine under load
	// (load average 12 on 2 cores, measured) stalls a token request past
	// the cut and 1 to 4 cells of 21 flip at random; at 0.01, none did.
	DefaultTimeScale timescale.Scale = 0.01
	// DefaultParallel cells run at once: replays mostly wait (a fixture
	// the server refuses waits Grace per request), so a 2-core machine
	// runs eight comfortably.
	DefaultParallel = 8
)

// Options configures Run. The zero value (plus FixturesDir or Fixtures)
// replays every fixture through every profile with the defaults above.
type Options struct {
	// FixturesDir holds the cassettes (*.yaml); used when Fixtures is empty.
	FixturesDir string
	// Fixtures are cassette paths; empty means every *.yaml in FixturesDir.
	Fixtures []string
	// Profiles to replay through; empty means toxics.Profiles().
	Profiles []toxics.Profile
	// Real lists profiles also replayed through their real proxy, as extra
	// columns named RealColumn(p) (realproxy.Profiles() have one).
	Real []toxics.Profile
	// TimeScale is the world time scale: the tunnel's, the server's and
	// the replayer's durations, and the recorded offsets (0 means
	// DefaultTimeScale). Pace multiplies the recorded offsets on top (0
	// means 1).
	TimeScale timescale.Scale
	Pace      float64
	// Grace is the replayer's patience (harness.ReplayOptions.Grace); 0
	// means harness.WorldGrace(TimeScale), so every wait and tolerance
	// keeps its order against the tunnel's timeouts at any scale.
	Grace time.Duration
	// Parallel: 0 means DefaultParallel.
	Parallel int
	// Progress, if set, is called once per finished cell (serially).
	Progress func(Cell)

	// Target, if set, is a running server (http://host:port) every cell
	// replays against, instead of a fresh mcpvcr server per cell: the
	// user's own server (mcpvcr check). It logs no markers we know, so
	// the verdicts rest on the findings alone.
	Target string
	// Prepare, if set, adapts each loaded cassette before any cell
	// replays it (check: the user's path and credentials).
	Prepare func(*harness.Cassette) error
	// Baseline, if set, is the profile whose findings a fixture has
	// anyway: they are the server's differences from the recording, not
	// the tunnel's doing, so they are moved from every other cell's
	// Findings to its Baseline before the outcome is decided.
	Baseline toxics.Profile
	// AllowFindings are reported as allowed (harness.ReplayOptions).
	AllowFindings []harness.FindingName
}

// FixtureFiles returns the *.yaml files of dir, sorted.
func FixtureFiles(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no fixtures (*.yaml) in %s: %w", dir, os.ErrNotExist)
	}
	return files, nil
}

// FixtureName is a fixture's name in the table and in expectations: the
// file name without ".yaml".
func FixtureName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), ".yaml")
}

// ErrNoFixtures is returned by Run when no fixture matches.
var ErrNoFixtures = errors.New("no fixtures to replay")

// Run replays each fixture through each profile and returns the cells in
// (fixture, profile) order. A cell that could not run at all (bad fixture,
// port exhaustion) has Err set; Run's error is for bad options only.
func Run(ctx context.Context, opts Options) ([]Cell, error) {
	opts = opts.withDefaults()
	files := opts.Fixtures
	if len(files) == 0 {
		var err error
		if files, err = FixtureFiles(opts.FixturesDir); err != nil {
			return nil, err
		}
	}
	if len(files) == 0 {
		return nil, ErrNoFixtures
	}
	columns := append([]toxics.Profile(nil), opts.Profiles...)
	for _, p := range opts.Profiles {
		if _, err := p.Toxics(); err != nil {
			return nil, err
		}
	}
	for _, p := range opts.Real {
		if _, err := realproxy.Binary(p); errors.Is(err, realproxy.ErrNoCounterpart) {
			return nil, err
		}
		columns = append(columns, RealColumn(p))
	}
	cassettes := make([]*harness.Cassette, len(files))
	loadErrs := make([]error, len(files))
	for i, f := range files {
		cassettes[i], loadErrs[i] = harness.LoadCassette(f)
		if loadErrs[i] == nil && opts.Prepare != nil {
			loadErrs[i] = opts.Prepare(cassettes[i])
		}
	}

	cells := make([]Cell, 0, len(files)*len(columns))
	for i, f := range files {
		for _, p := range columns {
			cells = append(cells, Cell{Fixture: FixtureName(f), Profile: p})
			if loadErrs[i] != nil {
				cells[len(cells)-1].Err = loadErrs[i].Error()
			}
		}
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		sem = make(chan struct{}, opts.Parallel)
	)
	for i := range cells {
		if cells[i].Err != "" {
			if opts.Progress != nil {
				opts.Progress(cells[i])
			}
			continue
		}
		c := cassettes[i/len(columns)]
		wg.Add(1)
		go func(cell *Cell) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				cell.Err = ctx.Err().Error()
				return
			}
			runCell(ctx, cell, c, opts)
			<-sem
			if opts.Progress != nil {
				mu.Lock()
				opts.Progress(*cell)
				mu.Unlock()
			}
		}(&cells[i])
	}
	wg.Wait()
	if opts.Baseline != "" {
		subtractBaseline(cells, cassettes, len(opts.Profiles), opts.Baseline)
	}
	return cells, nil
}

// subtractBaseline moves the findings each fixture's baseline cell also
// has (same name, same exchange) out of the other cells' Findings and
// decides their outcomes again.
func subtractBaseline(cells []Cell, cassettes []*harness.Cassette, perFixture int, baseline toxics.Profile) {
	for start := 0; start+perFixture <= len(cells); start += perFixture {
		row := cells[start : start+perFixture]
		var base *Cell
		for i := range row {
			if row[i].Profile == baseline && row[i].Err == "" {
				base = &row[i]
			}
		}
		if base == nil {
			continue
		}
		has := map[string]bool{}
		for _, f := range base.Findings {
			has[fmt.Sprintf("%s#%d", f.Name, f.Interaction)] = true
		}
		for i := range row {
			cell := &row[i]
			if cell == base || cell.Err != "" {
				continue
			}
			var kept []harness.Finding
			for _, f := range cell.Findings {
				if has[fmt.Sprintf("%s#%d", f.Name, f.Interaction)] {
					cell.Baseline = append(cell.Baseline, f)
				} else {
					kept = append(kept, f)
				}
			}
			cell.Findings = kept
			rejudge(cell, cassettes[start/perFixture])
		}
	}
}

func (o Options) withDefaults() Options {
	if o.FixturesDir == "" {
		o.FixturesDir = "fixtures"
	}
	if len(o.Profiles) == 0 {
		o.Profiles = toxics.Profiles()
	}
	if o.TimeScale <= 0 {
		o.TimeScale = DefaultTimeScale
	}
	if o.Grace <= 0 {
		o.Grace = harness.WorldGrace(o.TimeScale)
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	return o
}

// runCell starts a fresh server, replays c through the cell's profile and
// fills in what was observed.
func runCell(ctx context.Context, cell *Cell, c *harness.Cassette, opts Options) {
	start := time.Now()
	defer func() { cell.Took = time.Since(start) }()
	if opts.Target != "" {
		rep, applied, err := replayCell(ctx, cell, c, opts, opts.Target)
		if err != nil {
			cell.Err = err.Error()
			return
		}
		cell.Toxics = applied
		observe(cell, c, rep, nil, applied)
		return
	}

	// The same scale for the server as for the tunnel: its keepalive must
	// race the tunnel's idle cut at production ratios (timescale.Scale).
	lb, err := server.ListenLoopback()
	if err != nil {
		cell.Err = err.Error()
		return
	}
	defer lb.Close()
	log := harness.NewMarkerLog()
	err = lb.Start(server.Config{AutoApprove: true, LogOutput: discard{}, TimeScale: opts.TimeScale}, func(srv *server.Server) http.Handler {
		log.Capture(srv.Logger())
		return srv
	})
	if err != nil {
		cell.Err = fmt.Sprintf("server: %v", err)
		return
	}

	rep, applied, err := replayCell(ctx, cell, c, opts, lb.URL)

	// Close the server's connections so every stream logs its end, then
	// wait (briefly) for the last STREAM CLOSING markers.
	lb.StopServing()
	waitCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	log.Wait(waitCtx, streamsClosed)
	cancel()
	lb.Close()
	if err != nil {
		cell.Err = err.Error()
		return
	}
	cell.Toxics, cell.ServerMarkers = applied, log.Markers()
	observe(cell, c, rep, cell.ServerMarkers, applied)
}

// replayCell replays c against target through the cell's profile.
func replayCell(ctx context.Context, cell *Cell, c *harness.Cassette, opts Options, target string) (*harness.Report, []toxics.AppliedToxic, error) {
	var applied []toxics.AppliedToxic
	tunnel, real := realTunnel(cell.Profile, opts.TimeScale)
	if !real {
		tunnel = toxics.TunnelOptions{Profile: cell.Profile, Scale: opts.TimeScale}.Front(func(t *toxics.Tunnel) { applied = t.Applied })
	}
	// The replayer's connections idle out (30 s, scaled) before any
	// profile's idle cut (60 s), as a client's should: otherwise a request
	// reusing a connection the tunnel has just cut races the cut and the
	// cell turns "reset" by chance.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.IdleConnTimeout = opts.TimeScale.Scale(clientIdleTimeout)
	// HTTP/2 wherever the front takes it: a real nginx-http2 or caddy-http2,
	// and the simulated caddy-http2, whose tunnel has Go's HTTP/2 server.
	if realSpeaksHTTP2(cell.Profile) || cell.Profile.HTTP2() {
		transport.Protocols = new(http.Protocols)
		transport.Protocols.SetUnencryptedHTTP2(true) // prior knowledge, as nginx's "listen ... http2" takes it
	}
	defer transport.CloseIdleConnections()
	rep, err := harness.Replay(ctx, c, target, &harness.ReplayOptions{
		TimeScale: opts.TimeScale, Pace: opts.Pace, Tunnel: tunnel, Grace: opts.Grace, Transport: transport, AllowFindings: opts.AllowFindings,
	})
	return rep, applied, err
}

// streamsClosed holds once every server stream has logged its end.
func streamsClosed(ms harness.Markers) error {
	opened, closed := len(ms.Matching("SSE STREAM START")), len(ms.Matching("STREAM CLOSING"))
	if closed < opened {
		return fmt.Errorf("%d of %d streams still open", opened-closed, opened)
	}
	return nil
}

// clientIdleTimeout is how long the replayer keeps an idle connection, at
// time scale 1: below every profile's idle cut (toxics: 60 s and 100 s).
const clientIdleTimeout = 30 * time.Second

// discard is a LogOutput that drops text: markers are captured as events.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
