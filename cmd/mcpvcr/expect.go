package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
)

func init() {
	register(command{name: "expect", summary: "assert log markers of a running server (file, command output or stdin)", run: runExpect})
}

// markerCheck is one assertion from the command line.
type markerCheck struct {
	flag, arg string
	// positive checks are waited for; the others are judged at the end.
	positive bool
	check    func(harness.Markers) error
}

func runExpect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("expect", "expect [--follow FILE | --cmd 'docker logs -f NAME'] [--session ID] [--request ID] CHECKS...", stderr)
	follow := fs.String("follow", "", "log file to follow as it is appended (default: read stdin)")
	cmdLine := fs.String("cmd", "", "command whose output is the log, e.g. 'docker logs -f NAME' (split on spaces)")
	session := fs.String("session", "", "only markers of this session id")
	request := fs.String("request", "", "only markers of this request id")
	timeout := fs.Duration("timeout", 30*time.Second, "give up waiting after this long (> 0)")
	allowNoMarkers := fs.Bool("allow-no-markers", false, "accept a source that yielded no marker at all (by default that is an error: the wrong file, or a server that writes no markers)")
	var inOrder, absent, count, within stringList
	fs.Var(&inOrder, "in-order", `markers in this order, others may interleave: "A > B ~ detail > C*" (repeatable)`)
	fs.Var(&absent, "absent", "no marker matches this pattern (repeatable)")
	fs.Var(&count, "count", `exactly N markers match: "PATTERN=N" (repeatable)`)
	fs.Var(&within, "within", `B follows A in less than D: "A > B < 200ms" (repeatable)`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var checks []markerCheck
	for _, a := range inOrder {
		var ps []harness.Pattern
		for _, p := range strings.Split(a, ">") {
			ps = append(ps, harness.Pattern(strings.TrimSpace(p)))
		}
		checks = append(checks, markerCheck{"in-order", a, true, func(ms harness.Markers) error { return ms.InOrder(ps...) }})
	}
	for _, a := range absent {
		p := harness.Pattern(strings.TrimSpace(a))
		checks = append(checks, markerCheck{"absent", a, false, func(ms harness.Markers) error { return ms.Absent(p) }})
	}
	for _, a := range count {
		i := strings.LastIndex(a, "=")
		n, err := strconv.Atoi(strings.TrimSpace(a[i+1:]))
		if i < 0 || err != nil {
			return fmt.Errorf("--count %q: want PATTERN=N", a)
		}
		p := harness.Pattern(strings.TrimSpace(a[:i]))
		checks = append(checks, markerCheck{"count", a, false, func(ms harness.Markers) error { return ms.Count(p, n) }})
	}
	for _, a := range within {
		seq, dur, ok := strings.Cut(a, "<")
		first, then, ok2 := strings.Cut(seq, ">")
		d, err := time.ParseDuration(strings.TrimSpace(dur))
		if !ok || !ok2 || err != nil {
			return fmt.Errorf("--within %q: want \"A > B < DURATION\"", a)
		}
		pa, pb := harness.Pattern(strings.TrimSpace(first)), harness.Pattern(strings.TrimSpace(then))
		checks = append(checks, markerCheck{"within", a, true, func(ms harness.Markers) error { return ms.Within(pa, pb, d) }})
	}
	if len(checks) == 0 {
		return missingFlag(fs, stderr, "a check (--in-order, --absent, --count or --within)")
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mcpvcr expect: unexpected arguments %q (patterns go after a check flag)\n", fs.Args())
		fs.Usage()
		return errUsage
	}
	if *timeout <= 0 {
		return fmt.Errorf("--timeout %v: must be > 0", *timeout)
	}
	source := "stdin"
	switch {
	case *follow != "" && *cmdLine != "":
		return fmt.Errorf("--follow and --cmd: choose one source")
	case *follow != "":
		if _, err := os.Stat(*follow); err != nil {
			return fmt.Errorf("--follow: %w", err)
		}
		source = *follow
	case *cmdLine != "":
		if len(strings.Fields(*cmdLine)) == 0 {
			return fmt.Errorf("--cmd %q: no command", *cmdLine)
		}
		source = "the output of " + *cmdLine
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	log := harness.NewMarkerLog()
	ended := make(chan struct{}) // the source ended (EOF, command exit)
	followErr := make(chan error, 1)
	switch {
	case *follow != "":
		go func() { followErr <- log.Follow(ctx, *follow, 0) }()
	case *cmdLine != "":
		f := strings.Fields(*cmdLine)
		done, err := log.FollowCommand(ctx, f[0], f[1:]...)
		if err != nil {
			return err
		}
		go func() { <-done; close(ended) }()
	default:
		go func() { log.ReadFrom(os.Stdin); close(ended) }()
	}
	view := func(ms harness.Markers) harness.Markers {
		if *session != "" {
			ms = ms.ForSession(*session)
		}
		if *request != "" {
			ms = ms.ForRequest(*request)
		}
		return ms
	}
	waitCtx, stopWaiting := context.WithCancel(ctx)
	go func() {
		select {
		case <-ended:
			stopWaiting()
		case <-waitCtx.Done():
		}
	}()
	hasPositive := false
	for _, c := range checks {
		hasPositive = hasPositive || c.positive
	}
	if hasPositive {
		log.Wait(waitCtx, func(ms harness.Markers) error {
			for _, c := range checks {
				if c.positive {
					if err := c.check(view(ms)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	} else {
		<-waitCtx.Done() // absent / count: judged once the log has ended
	}
	stopWaiting()
	select {
	case err := <-followErr:
		if err != nil && ctx.Err() == nil {
			return err
		}
	default:
	}
	if len(log.Markers()) == 0 && !*allowNoMarkers {
		return fmt.Errorf("%s yielded no marker at all, so no check can be trusted: is it the server's log, and does the server write markers (docs/markers.md)? --allow-no-markers accepts an empty log", source)
	}
	ms := view(log.Markers())
	failed := 0
	for _, c := range checks {
		if err := c.check(ms); err != nil {
			failed++
			fmt.Fprintf(stdout, "FAIL --%s %q\n%s\n", c.flag, c.arg, indent(err.Error()))
		} else {
			fmt.Fprintf(stdout, "ok   --%s %q\n", c.flag, c.arg)
		}
	}
	fmt.Fprintf(stdout, "%d markers read, %d of %d checks failed\n", len(ms), failed, len(checks))
	if failed > 0 {
		return expectFailed{failed}
	}
	return nil
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// expectFailed makes the process exit 1 when a marker check fails.
type expectFailed struct{ n int }

func (e expectFailed) Error() string { return fmt.Sprintf("%d marker checks failed", e.n) }
func (e expectFailed) ExitCode() int { return 1 }
