package scenarios

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/internal/h2raw"
	"github.com/mcpvcr/mcpvcr/mcpvcrtest"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/rogpeppe/go-internal/testscript"
)

// fixturesDir is the repository's fixtures/ folder, seen from this package.
var fixturesDir = filepath.Join("..", "fixtures")

func init() {
	register(command{
		usage:   "replay [-via HOP] [-profile P] [-timescale F] [-pace F] [-grace D] [-allow PREFIX]... [-h2c] [-header 'Name: value']... FIXTURE",
		summary: "replay a fixture (a path, or a name under fixtures/) against HOP, through a tunnel of profile P of its own with -profile (the server keeps its own address, as OAuth needs); its exchanges become streams HOP.0, HOP.1, ...",
		run:     cmdReplay,
	})
}

func cmdReplay(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("replay")
	via := fs.String("via", "", "server or tunnel to replay against (default: the one started last)")
	var scale timescale.Scale
	fs.Var(&scale, "timescale", "multiply recorded offsets (default: the scenario's timescale)")
	pace := fs.Float64("pace", 1, "multiply recorded offsets on top of the time scale: a fixture recorded in this scenario (already at its scale) replays at its own speed with -pace 1/F")
	grace := fs.Duration("grace", 5*time.Second, "real time to wait past a recorded offset")
	profile := fs.String("profile", "", "replay through a tunnel of this profile, at the scenario's timescale")
	var allow, extra stringList
	fs.Var(&allow, "allow", "report differences under this part without failing (repeatable)")
	h2c := fs.Bool("h2c", false, "replay over HTTP/2 without TLS (prior knowledge), every header as given")
	fs.Var(&extra, "header", "add this request header 'Name: value' to every request, as a client that always sends it (repeatable)")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	header := http.Header{}
	for _, v := range extra {
		k, val, ok := strings.Cut(v, ":")
		if !ok {
			return fmt.Errorf("replay -header %q: want 'Name: value'", v)
		}
		header.Add(strings.TrimSpace(k), strings.TrimSpace(val))
	}
	base, err := w.hop(*via)
	if err != nil {
		return err
	}
	hopName := *via
	if hopName == "" {
		w.mu.Lock()
		hopName = w.lastHop
		w.mu.Unlock()
	}
	path := fs.Arg(0)
	if _, err := os.Stat(ts.MkAbs(path)); err == nil {
		path = ts.MkAbs(path)
	} else if abs, err := filepath.Abs(filepath.Join(fixturesDir, path)); err == nil {
		path = abs
	}
	c, err := harness.LoadCassette(path)
	if err != nil {
		return fmt.Errorf("replay: %w (a FIXTURE is a path in the script's directory or a file under fixtures/)", err)
	}
	if scale <= 0 {
		scale = w.scale
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if *pace <= 0 {
		return fmt.Errorf("replay -pace %g: want > 0", *pace)
	}
	opts := &harness.ReplayOptions{TimeScale: scale, Pace: *pace, Grace: *grace, Allow: allow}
	if *h2c || len(header) > 0 {
		var rt http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
		if *h2c {
			rt = &h2raw.Transport{}
		}
		opts.Transport = withHeader{rt: rt, header: header}
	}
	if *profile != "" {
		if _, err := toxics.Profile(*profile).Toxics(); err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		opts.Tunnel = toxics.TunnelOptions{Profile: toxics.Profile(*profile), Scale: scale}.Front(nil)
	}
	rep, err := harness.Replay(ctx, c, base, opts)
	if err != nil && rep == nil {
		return fmt.Errorf("replay %s: %w", fs.Arg(0), err)
	}
	var text strings.Builder
	rep.WriteText(&text)
	ts.Logf("%s", text.String())
	w.mu.Lock()
	w.report, w.reportHop = rep, hopName
	w.mu.Unlock()
	for i, tl := range rep.Timelines() {
		s := &stream{Stream: mcpvcrtest.EndedStream(tl), name: hopName + "." + strconv.Itoa(i)}
		if err := w.addStream(s); err != nil {
			return err
		}
	}
	return err
}

func init() {
	register(command{
		usage:   "diffs [-all] N",
		summary: "the last replay had N differences not allowed (-all: N differences, allowed or not); prints them",
		run:     cmdDiffs,
	})
}

func cmdDiffs(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("diffs")
	all := fs.Bool("all", false, "count allowed differences too")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	want, err := strconv.Atoi(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("diffs: N %q is not a number", fs.Arg(0))
	}
	w.mu.Lock()
	rep := w.report
	w.mu.Unlock()
	if rep == nil {
		return fmt.Errorf("diffs: no replay yet")
	}
	got := rep.Failures()
	if *all {
		got = rep.Differences()
	}
	var lines []string
	for _, d := range got {
		lines = append(lines, "  "+d.String())
	}
	if len(got) != want {
		var text strings.Builder
		rep.WriteText(&text)
		return fmt.Errorf("replay differences = %d, want %d:\n%s", len(got), want, text.String())
	}
	for _, l := range lines {
		ts.Logf("%s", l)
	}
	return nil
}

func init() {
	register(command{
		usage:   "record [-name R] [-to HOP] [-why TEXT]",
		summary: "put a harness recorder in front of HOP; it is a hop itself (-via R) until record-stop",
		run:     cmdRecord,
	})
}

// cmdRecord puts a harness recorder in front of a server or tunnel; it is
// a hop of its own (-via NAME) until record-stop writes the fixture.
func cmdRecord(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("record")
	name := fs.String("name", "rec", "recorder name (a hop for -via)")
	to := fs.String("to", "", "server or tunnel it records (default: the one started last)")
	why := fs.String("why", "recorded by a scenario", "kept in the fixture's provenance")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	upstream, err := w.hop(*to)
	if err != nil {
		return err
	}
	rec, err := harness.NewRecorder(upstream, &harness.RecorderOptions{Why: *why, Upstream: "mcpvcr serve (scenario)"})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: rec}
	go hs.Serve(ln)
	w.onClose(func() { rec.Close(); hs.Close() })
	return w.addHop(*name, &liveTunnel{name: *name, url: "http://" + ln.Addr().String(), recorder: rec})
}

func init() {
	register(command{
		usage:   "record-stop R FILE",
		summary: "stop recorder R and write what it saw as a fixture (secrets redacted) to FILE",
		run:     cmdRecordStop,
	})
}

func cmdRecordStop(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("record-stop")
	if err := parse(fs, args, 2, 2); err != nil {
		return err
	}
	w.mu.Lock()
	t, ok := w.tunnels[fs.Arg(0)]
	w.mu.Unlock()
	if !ok || t.recorder == nil {
		return fmt.Errorf("record-stop: no recorder %q", fs.Arg(0))
	}
	if err := t.recorder.Close(); err != nil {
		return err
	}
	c := t.recorder.Cassette()
	if err := c.Save(ts.MkAbs(fs.Arg(1))); err != nil {
		return fmt.Errorf("record-stop: %w", err)
	}
	ts.Logf("wrote %d interactions to %s", len(c.Interactions), fs.Arg(1))
	return nil
}

// withHeader adds header to every request it sends through rt.
type withHeader struct {
	rt     http.RoundTripper
	header http.Header
}

func (t withHeader) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, vs := range t.header {
		req.Header[k] = vs
	}
	return t.rt.RoundTrip(req)
}
