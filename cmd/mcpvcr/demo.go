package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mcpvcr/mcpvcr/harness/matrix"
	"github.com/mcpvcr/mcpvcr/toxics"
)

func init() {
	register(command{name: "demo", summary: "replay every fixture through every tunnel profile and explain what broke (make run)", run: runDemo})
}

const demoHelp = `Replays every recorded fixture (DIR/*.yaml) through every tunnel profile,
each against a fresh mcpvcr server on in-process Redis, with a time scale
(0.01: Cloudflare's 100 s idle cut takes 1 s, the server's 15 s keepalive
150 ms), and prints one row per profile: did the OAuth + initialize handshake
work, how long the GET listen stream lived and why it ended, how many SSE
events arrived (of those recorded), the server markers that tell the story,
the expected outcome written down in DIR/expectations.txt, and a one-line
diagnosis. One progress line per cell goes to stderr.

Outcomes: ok, body-dropped (the server got 0 bytes), reset (TCP RST),
handshake-failed (token, initialize or initialized not as recorded),
listen-held (the GET listen stream's events came only when it closed, or
never), cut (504/524 from an idle cut).

Examples:
  mcpvcr demo                 (what make run shows)
  mcpvcr demo --profile cloudflare-quick-tunnel,clean --fixture gosdk_oauth_session
  mcpvcr demo --json matrix.json --check

`

// demoFailed makes the process exit 1 under --check.
type demoFailed struct{ err error }

func (e demoFailed) Error() string { return e.err.Error() }
func (e demoFailed) ExitCode() int { return 1 }

func runDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "demo [--fixtures DIR] [--profile P,...] [--real P,...] [--fixture NAME,...] [--json FILE] [--check]", stderr)
	usage := fs.Usage
	fs.Usage = func() { fmt.Fprint(stderr, demoHelp); usage() }
	dir := fs.String("fixtures", "", "directory of fixtures (*.yaml) and their expectations.txt (default: those built into mcpvcr, the repository's fixtures/)")
	var fixtures stringList
	columns := addProfileFlags(fs)
	fs.Var(&fixtures, "fixture", "only these fixtures, by file name without .yaml (comma-separated or repeated)")
	jsonOut := fs.String("json", "", "also write every cell (outcome, timelines, markers, replay report) as JSON to this file")
	reports := addReportFlags(fs)
	wide := fs.Bool("wide", false, "print every column (server markers, the whole diagnosis) on one line per row, however wide")
	check := fs.Bool("check", false, "exit 1 when an outcome differs from DIR/expectations.txt or is not written down")
	scale := addTimescaleFlag(fs, matrix.DefaultTimeScale, "multiply every tunnel and server duration by this factor")
	grace := fs.Duration("grace", 0, "how long to wait past a recorded time for an event before calling it missing (0 = 300 s of world time, at least 3 s)")
	pace := addPaceFlag(fs, "multiply the recorded offsets by this factor on top of --timescale (2 = replay at half speed)")
	parallel := fs.Int("parallel", matrix.DefaultParallel, "cells replayed at once")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if err := reports.checkWritable(); err != nil {
		return err
	}
	profiles, real, err := columns.parse()
	if err != nil {
		return err
	}
	shown := *dir // the folder as messages name it
	if *dir == "" {
		d, cleanup, err := bundledFixtures(".")
		if err != nil {
			return err
		}
		defer cleanup()
		*dir, shown = d, builtIn(".")
	}
	opts := matrix.Options{FixturesDir: *dir, TimeScale: *scale, Pace: *pace, Grace: *grace, Parallel: *parallel, Profiles: profiles, Real: real}
	all, err := matrix.FixtureFiles(*dir)
	if err != nil {
		return err
	}
	if names := splitList(fixtures); len(names) > 0 {
		for _, n := range names {
			path := filepath.Join(*dir, strings.TrimSuffix(n, ".yaml")+".yaml")
			if _, err := os.Stat(path); err != nil {
				var known []string
				for _, f := range all {
					known = append(known, matrix.FixtureName(f))
				}
				return fmt.Errorf("--fixture %s: not in %s (known: %s)", n, shown, strings.Join(known, ", "))
			}
			opts.Fixtures = append(opts.Fixtures, path)
		}
	} else {
		opts.Fixtures = all
	}

	expPath := filepath.Join(shown, matrix.ExpectationsFile)
	if shown != *dir {
		expPath = builtIn(matrix.ExpectationsFile)
	}
	exp, err := matrix.LoadExpectations(filepath.Join(*dir, matrix.ExpectationsFile))
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(stderr, "mcpvcr demo: no %s: outcomes are shown, not checked\n", expPath)
	} else if err != nil {
		return err
	}

	nProfiles := len(opts.Profiles)
	if nProfiles == 0 {
		nProfiles = len(toxics.Profiles())
	}
	nProfiles += len(opts.Real)
	fmt.Fprintf(stderr, "mcpvcr demo: %d fixture(s) × %d profile(s), time scale %g (100 s idle cut = %s), each against a fresh server on in-process Redis\n",
		len(opts.Fixtures), nProfiles, *scale, scale.Scale(100*time.Second))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cells, took, err := runMatrix(ctx, opts, nProfiles, exp, *wide, stdout, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d cells in %.1fs. Outcomes written down in %s; the field failure numbers are in docs/demo.md.\n",
		len(cells), took.Seconds(), expPath)
	if err := reports.writeCells("mcpvcr demo: every fixture through every profile", cells, *jsonOut, opts.Fixtures, nil, exp, *scale, stderr); err != nil {
		return err
	}
	if exp != nil {
		if err := matrix.Check(cells, exp, expPath); err != nil {
			if *check {
				return demoFailed{err}
			}
			fmt.Fprintf(stdout, "\n%v", err)
		}
	} else if *check {
		return demoFailed{fmt.Errorf("--check: no %s", expPath)}
	}
	return nil
}

// splitList flattens repeated, comma-separated flag values.
func splitList(l stringList) []string {
	var out []string
	for _, v := range l {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
