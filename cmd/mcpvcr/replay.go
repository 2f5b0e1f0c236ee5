package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/report"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

func init() {
	register(command{name: "replay", summary: "replay a fixture against any MCP server and report differences", run: runReplay})
}

// tunnelForProfile resolves --profile to the tunnel the replay goes
// through: an embedded toxiproxy with the profile's toxics, durations
// multiplied by scale. "" means nothing in between; "clean" is a tunnel
// that changes nothing, to show the tunnel itself is transparent. When
// applied is not nil, the opened tunnel's toxics are stored there.
func tunnelForProfile(name string, scale timescale.Scale, applied *[]toxics.AppliedToxic) (harness.TunnelFunc, error) {
	if name == "" {
		return nil, nil
	}
	if _, err := toxics.Profile(name).Toxics(); err != nil {
		return nil, fmt.Errorf("--profile: %w", err)
	}
	return toxics.TunnelOptions{Profile: toxics.Profile(name), Scale: scale}.Front(func(t *toxics.Tunnel) {
		if applied != nil {
			*applied = t.Applied
		}
	}), nil
}

// replayFailed makes the process exit 1 when a replay has differences or
// findings that break the session.
type replayFailed struct{ diffs, findings int }

func (e replayFailed) Error() string {
	return fmt.Sprintf("%d differences not allowed, %d findings that break the session", e.diffs, e.findings)
}
func (e replayFailed) ExitCode() int { return 1 }

func runReplay(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("replay", "replay FILE --target URL [--profile NAME] [--timescale F] [flags]", stderr)
	target := fs.String("target", "", "server to replay against (http://host:port)")
	profile := fs.String("profile", "", "tunnel profile between the replayer and the target (see mcpvcr tunnel --list; empty = direct)")
	scale := addTimescaleFlag(fs, 1, "world time scale: the tunnel's timeouts, the replayer's waits and the recorded offsets (0.01 runs a 100 s idle cut as 1 s)")
	pace := addPaceFlag(fs, "multiply the recorded offsets by this factor on top of --timescale (2 = half speed)")
	grace := fs.Duration("grace", 0, "how long to wait past a recorded time for a value, an event or a stream end (0 = 5s direct; with --profile, 300 s of world time, at least 3 s)")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	timelines := fs.String("timelines", "", "write every live stream timeline as JSON to this file")
	reports := addReportFlags(fs)
	serverLog := fs.String("server-log", "", "the server's log file: its markers are drawn on --report's time axis (read after the replay)")
	var allow stringList
	fs.Var(&allow, "allow", "report this finding (e.g. \"events-late\", see docs/findings.md) or the differences under this part (e.g. \"body.result.serverInfo\") without failing (repeatable)")
	file, err := parseWithOperand(fs, args, "FILE")
	if err != nil {
		return err
	}
	if file == "" {
		return missingFlag(fs, stderr, "FILE (the cassette to replay)")
	}
	if *target == "" {
		return missingFlag(fs, stderr, "--target URL (the server to replay against)")
	}
	opts := &harness.ReplayOptions{TimeScale: *scale, Pace: *pace, Grace: *grace}
	for _, a := range allow {
		if name, err := harness.ParseFindingName(a); err == nil {
			opts.AllowFindings = append(opts.AllowFindings, name)
		} else {
			opts.Allow = append(opts.Allow, a)
		}
	}
	if opts.Grace == 0 && *profile != "" {
		opts.Grace = harness.WorldGrace(*scale)
	}
	if err := reports.checkWritable(); err != nil {
		return err
	}
	if *serverLog != "" {
		if _, err := os.Stat(*serverLog); err != nil {
			return fmt.Errorf("--server-log: %w", err)
		}
	}
	var applied []toxics.AppliedToxic
	tunnel, err := tunnelForProfile(*profile, *scale, &applied)
	if err != nil {
		return err
	}
	c, err := harness.LoadCassette(file)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := checkTarget(ctx, *target); err != nil {
		return err
	}
	pr := newProgress(stderr, "replay", "interactions")
	opts.Tunnel = tunnel
	opts.Progress = func(p harness.ReplayProgress) { pr.Update(p.Done, p.Total, plural(p.Open, "stream")+" open") }
	rep, err := harness.Replay(ctx, c, *target, opts)
	pr.Finish()
	if err != nil && rep == nil {
		return err
	}
	rep.WriteText(stdout)
	if *jsonOut != "" {
		if err := writeJSONFile(*jsonOut, rep); err != nil {
			return err
		}
	}
	if *timelines != "" {
		f, err := os.Create(*timelines)
		if err != nil {
			return err
		}
		if err := harness.DumpTimelines(f, rep.Timelines()); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	var serverMarkers harness.Markers
	if *serverLog != "" {
		var rerr error
		if serverMarkers, rerr = readMarkers(*serverLog); rerr != nil {
			return rerr
		}
	}
	if werr := reports.writeSession(report.FromReplay(c, rep, &report.FromReplayOptions{
		Title: fmt.Sprintf("%s against %s", filepath.Base(file), rep.Target), Profile: *profile, Toxics: applied,
		Markers: serverMarkers,
	}), stderr); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	if d, f := len(rep.Failures()), len(rep.Breaking()); d+f > 0 {
		return replayFailed{d, f}
	}
	return nil
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
