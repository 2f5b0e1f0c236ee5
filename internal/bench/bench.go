// Package bench is the driver behind `make bench`: it measures, in one run
// and side by side, our server against go-sdk's reference everything-server
// and a bare net/http echo, what the tunnel and the recorder add on top,
// SSE delivery delay, what idle listen streams cost, replay timing fidelity
// and the scenario suite's wall time. Every server, tunnel and recorder is
// its own process, started from the binaries the caller names:
//
//	driver (clients) > [mcpvcr record] > [mcpvcr tunnel] > server
//
// Results are a [Report]: a table for people, JSON for the record.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Options says what to run and with which binaries.
type Options struct {
	MCPVCR    string // the mcpvcr binary
	Reference string // go-sdk's conformance/everything-server binary
	Self      string // this driver's binary, run as `Self -peer echo|ticker -addr ADDR`
	Dir       string // logs and scratch files

	Rounds   int           // alternating rounds per throughput figure (3)
	Duration time.Duration // length of one round (3 s)
	// Sections limits the run to these sections (server, tunnel, sse,
	// listen, replay, scenarios); empty means all.
	Sections []string
	// ListenSteps are the numbers of idle listen streams to hold (1000,
	// 10000, 19000).
	ListenSteps []int

	Progress func(string) // one line per step; nil prints nothing
}

// Report is a whole run.
type Report struct {
	Date      string       `json:"date"`
	Machine   string       `json:"machine"`
	Servers   []Throughput `json:"servers,omitempty"`
	Allocs    []Allocs     `json:"allocs,omitempty"`
	Tunnels   []Throughput `json:"tunnels,omitempty"`
	Delivery  []Delivery   `json:"sse_delivery,omitempty"`
	Listening *Listening   `json:"listening,omitempty"`
	Replay    []Fidelity   `json:"replay,omitempty"`
	Scenarios *Scenarios   `json:"scenarios,omitempty"`
	WallS     float64      `json:"wall_s"`
}

func (o *Options) wants(section string) bool {
	if len(o.Sections) == 0 {
		return true
	}
	for _, s := range o.Sections {
		if s == section {
			return true
		}
	}
	return false
}

// Run measures every section o asks for. A section that cannot run (a
// process that does not start) stops the run with an error: a table with
// holes would read as a result.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Rounds <= 0 {
		o.Rounds = 3
	}
	if o.Duration <= 0 {
		o.Duration = 3 * time.Second
	}
	if len(o.ListenSteps) == 0 {
		o.ListenSteps = []int{1000, 10000, 19000}
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	raiseFDLimit()
	start := time.Now()
	rep := &Report{Date: start.UTC().Format(time.RFC3339), Machine: machine()}
	r := &run{o: o, ctx: ctx}
	defer r.stopAll()
	steps := []struct {
		name string
		do   func(*Report) error
	}{
		{"server", r.servers},
		{"tunnel", r.tunnels},
		{"sse", r.delivery},
		{"listen", r.listening},
		{"replay", r.replay},
		{"scenarios", r.scenarios},
	}
	for _, s := range steps {
		if !o.wants(s.name) {
			continue
		}
		if err := s.do(rep); err != nil {
			return rep, fmt.Errorf("bench %s: %w", s.name, err)
		}
		r.stopAll()
	}
	rep.WallS = time.Since(start).Seconds()
	return rep, nil
}

// run holds the processes of the section being measured.
type run struct {
	o     Options
	ctx   context.Context
	procs []*proc
}

func (r *run) start(name, bin string, args ...string) (*proc, error) {
	p, err := start(r.ctx, r.o.Dir, name, bin, args...)
	if err == nil {
		r.procs = append(r.procs, p)
	}
	return p, err
}

func (r *run) stopAll() {
	for _, p := range r.procs {
		p.stop()
	}
	r.procs = nil
}

// ours starts `mcpvcr serve` with the conformance tool set (the reference's
// tools, so both answer the same call) and extra flags.
func (r *run) ours(name string, extra ...string) (*proc, error) {
	args := append([]string{"serve", "--addr", "{addr}", "--tools", "conformance"}, extra...)
	return r.start(name, r.o.MCPVCR, args...)
}

// oauth is a Target's token source for our server at base.
func oauth(base string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) { return token(ctx, base, base+"/mcp") }
}

// benchTool is a tool both servers have and that does nothing.
const benchTool = "test_simple_text"

func (r *run) servers(rep *Report) error {
	ref, err := r.start("reference-stateful", r.o.Reference, "-http", "{addr}", "-stateless=false")
	if err != nil {
		return err
	}
	refStateless, err := r.start("reference-stateless", r.o.Reference, "-http", "{addr}", "-stateless=true")
	if err != nil {
		return err
	}
	echo, err := r.start("echo", r.o.Self, "-peer", "echo", "-addr", "{addr}")
	if err != nil {
		return err
	}
	withAuth, err := r.ours("ours-oauth", "--auto-approve")
	if err != nil {
		return err
	}
	noAuth, err := r.ours("ours-noauth", "--auth", "off")
	if err != nil {
		return err
	}
	targets := []Target{
		{Name: "go-sdk everything-server (stateful, no auth)", Era: Era2025, MCPURL: ref.URL() + "/mcp"},
		{Name: "mcpvcr serve (OAuth + markers)", Era: Era2025, MCPURL: withAuth.URL() + "/mcp", Token: oauth(withAuth.URL())},
		{Name: "mcpvcr serve --auth off", Era: Era2025, MCPURL: noAuth.URL() + "/mcp"},
		{Name: "net/http echo", Era: Era2025, MCPURL: echo.URL() + "/mcp"},
		{Name: "go-sdk everything-server (stateless, no auth)", Era: Era2026, MCPURL: refStateless.URL() + "/mcp"},
		{Name: "mcpvcr serve (OAuth + markers)", Era: Era2026, MCPURL: withAuth.URL() + "/mcp", Token: oauth(withAuth.URL())},
	}
	rep.Servers = measureThroughput(r.ctx, targets, benchTool, []int{1, 16}, r.o.Rounds, r.o.Duration, r.o.Progress)
	r.o.Progress("allocations per call (go test -bench, in-process)")
	rep.Allocs, err = measureAllocs(r.ctx, r.o.Dir)
	return err
}

// tunnels measures our server directly, through `mcpvcr tunnel` with the
// clean profile and with HTTP-aware profiles, and through a recorder in
// front of the clean tunnel.
func (r *run) tunnels(rep *Report) error {
	srv, err := r.ours("ours-oauth", "--auto-approve")
	if err != nil {
		return err
	}
	targets := []Target{{Name: "direct", Era: Era2025, MCPURL: srv.URL() + "/mcp", Token: oauth(srv.URL())}}
	var clean *proc
	for _, profile := range []string{"clean", "cloudflare-named-tunnel", "nginx-default"} {
		t, err := r.start("tunnel-"+profile, r.o.MCPVCR, "tunnel", "--upstream", srv.addr, "--listen", "{addr}", "--profile", profile)
		if err != nil {
			return err
		}
		if profile == "clean" {
			clean = t
		}
		targets = append(targets, Target{Name: "tunnel " + profile, Era: Era2025, MCPURL: t.URL() + "/mcp", Token: oauth(srv.URL())})
	}
	rec, err := r.start("record", r.o.MCPVCR, "record", "--upstream", clean.URL(), "--listen", "{addr}", "--out", r.o.Dir+"/bench-tunnel.yaml")
	if err != nil {
		return err
	}
	targets = append(targets, Target{Name: "recorder > tunnel clean", Era: Era2025, MCPURL: rec.URL() + "/mcp", Token: oauth(srv.URL())})
	rep.Tunnels = measureThroughput(r.ctx, targets, benchTool, []int{1, 16}, r.o.Rounds, r.o.Duration, r.o.Progress)
	return nil
}

// delivery measures SSE delay at one event per 10 ms, direct from a bare
// SSE server, through the clean tunnel, and through recorder + tunnel.
func (r *run) delivery(rep *Report) error {
	ticker, err := r.start("ticker", r.o.Self, "-peer", "ticker", "-addr", "{addr}")
	if err != nil {
		return err
	}
	tun, err := r.start("tunnel-clean-sse", r.o.MCPVCR, "tunnel", "--upstream", ticker.addr, "--listen", "{addr}", "--profile", "clean")
	if err != nil {
		return err
	}
	rec, err := r.start("record-sse", r.o.MCPVCR, "record", "--upstream", tun.URL(), "--listen", "{addr}", "--out", r.o.Dir+"/bench-sse.yaml")
	if err != nil {
		return err
	}
	paths := []struct{ name, base string }{{"direct", ticker.URL()}, {"tunnel clean", tun.URL()}, {"recorder > tunnel clean", rec.URL()}}
	for _, streams := range []int{1, 100} {
		for _, p := range paths {
			r.o.Progress(fmt.Sprintf("sse delivery: %d stream(s) %s", streams, p.name))
			rep.Delivery = append(rep.Delivery, measureDelivery(r.ctx, p.name, p.base, streams, 10*time.Millisecond, r.o.Duration))
		}
	}
	return nil
}

func (r *run) listening(rep *Report) error {
	extra := []string{"--auth", "off"}
	expire := serveHas(r.o.MCPVCR, "-session-timeout")
	if expire {
		extra = append(extra, "--session-timeout", "5s")
	}
	srv, err := r.ours("ours-listen", extra...)
	if err != nil {
		return err
	}
	// Go returns freed memory to the OS after a GC, and an idle server only
	// collects on the runtime's forced GC, every 2 minutes: wait past one.
	l := measureListening(r.ctx, srv, r.o.ListenSteps, expire, 150*time.Second, r.o.Progress)
	rep.Listening = &l
	return nil
}

// serveHas reports whether `mcpvcr serve --help` lists flag.
func serveHas(bin, flag string) bool {
	out, _ := exec.Command(bin, "serve", "--help").CombinedOutput()
	return strings.Contains(string(out), "  "+flag+" ")
}

func machine() string {
	host, _ := os.Hostname()
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores (%s), %s/%s, %s", host, runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// WriteJSON writes the report to path.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
