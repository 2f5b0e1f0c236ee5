package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/mcpvcrtest"
	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	register(command{
		usage:     "wait-closed [-timeout D] STREAM",
		summary:   "wait until STREAM ends (! : it must stay open for the whole timeout)",
		negatable: true, run: cmdWaitClosed,
	})
}

func cmdWaitClosed(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("wait-closed")
	timeout := fs.String("timeout", "60s", "how long to wait (scaled)")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	return w.waitStream(fs.Arg(0), *timeout, neg, "closed", ended)
}

func init() {
	register(command{
		usage:     "wait-headers [-timeout D] STREAM",
		summary:   "wait until STREAM's response headers arrive (! : they must not arrive within the timeout)",
		negatable: true, run: cmdWaitHeaders,
	})
}

func cmdWaitHeaders(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("wait-headers")
	timeout := fs.String("timeout", "60s", "how long to wait (scaled)")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	return w.waitStream(fs.Arg(0), *timeout, neg, "got its headers", func(st *mcpvcrtest.StreamState) bool { return st.Timeline.Status != 0 })
}

func init() {
	register(command{
		usage:     "wait-event [-count N] [-match TEXT] [-timeout D] STREAM",
		summary:   "wait until STREAM carried N data events (with TEXT) (! : none may arrive within the timeout)",
		negatable: true, run: cmdWaitEvent,
	})
}

func cmdWaitEvent(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("wait-event")
	timeout := fs.String("timeout", "60s", "how long to wait (scaled)")
	count := fs.Int("count", 1, "how many data events")
	match := fs.String("match", "", "count only events whose data contains this")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	what := fmt.Sprintf("carried %d event(s) matching %q", *count, *match)
	return w.waitStream(fs.Arg(0), *timeout, neg, what, func(st *mcpvcrtest.StreamState) bool {
		n := 0
		for _, ev := range st.Events {
			if !ev.IsComment && strings.Contains(ev.Data, *match) {
				n++
			}
		}
		if neg {
			return n > 0
		}
		return n >= *count
	})
}

// waitStream waits for cond on the named stream. Negated, cond must stay
// false for the whole (scaled) timeout.
func (w *world) waitStream(name, timeout string, neg bool, what string, cond func(st *mcpvcrtest.StreamState) bool) error {
	s, err := w.stream(name)
	if err != nil {
		return err
	}
	d, err := w.waitTimeout(timeout, neg)
	if err != nil {
		return err
	}
	start := time.Now()
	ok := s.Wait(d, cond)
	switch {
	case neg && ok:
		return fmt.Errorf("stream %s %s after %s; want it not to within %s", s.name, what, time.Since(start).Round(time.Microsecond), d)
	case !neg && !ok:
		return fmt.Errorf("stream %s never %s within %s", s.name, what, d)
	}
	return nil
}

// endedStream returns the named stream after it ended (waiting up to the
// floor), for assertions on its whole body.
func (w *world) endedStream(name string) (*stream, error) {
	s, err := w.stream(name)
	if err != nil {
		return nil, err
	}
	if !s.Wait(waitFloor, ended) {
		return nil, fmt.Errorf("stream %s still open after %s (close it, or assert on it with wait-event)", s.name, waitFloor)
	}
	return s, nil
}

func init() {
	register(command{
		usage:     "body [-stream S] TEXT",
		summary:   "the response body of stream S (default: the last) contains TEXT; waits for the stream to end",
		negatable: true, run: cmdBody,
	})
}

func cmdBody(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("body")
	name := fs.String("stream", "", "stream (default: the last opened)")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	s, err := w.endedStream(*name)
	if err != nil {
		return err
	}
	body := string(s.State().Body)
	if has := strings.Contains(body, fs.Arg(0)); has == neg {
		return fmt.Errorf("body of stream %s contains %q = %v, want %v; body:\n%s", s.name, fs.Arg(0), has, !neg, body)
	}
	return nil
}

func init() {
	register(command{
		usage:     "header [-stream S] NAME TEXT",
		summary:   "response header NAME of stream S contains TEXT",
		negatable: true, run: cmdHeader,
	})
}

func cmdHeader(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("header")
	name := fs.String("stream", "", "stream (default: the last opened)")
	if err := parse(fs, args, 2, 2); err != nil {
		return err
	}
	s, err := w.stream(*name)
	if err != nil {
		return err
	}
	if !s.Wait(waitFloor, func(st *mcpvcrtest.StreamState) bool { return st.Header != nil || st.Ended }) {
		return fmt.Errorf("stream %s: no headers within %s", s.name, waitFloor)
	}
	got := strings.Join(s.State().Header.Values(fs.Arg(0)), ", ")
	if has := strings.Contains(got, fs.Arg(1)); has == neg {
		return fmt.Errorf("stream %s header %s = %q; contains %q = %v, want %v", s.name, fs.Arg(0), got, fs.Arg(1), has, !neg)
	}
	return nil
}

func init() {
	register(command{
		usage:   "events [-match TEXT] [-unique] N STREAM...",
		summary: "the streams together carried N data events (with TEXT in their data); -unique: no SSE id twice",
		run:     cmdEvents,
	})
}

func cmdEvents(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("events")
	match := fs.String("match", "", "count only events whose data contains this")
	unique := fs.Bool("unique", false, "fail if an SSE id appears twice")
	if err := parse(fs, args, 2, -1); err != nil {
		return err
	}
	want, err := strconv.Atoi(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("events: N %q is not a number\nusage: %s", fs.Arg(0), commands["events"].usage)
	}
	got := 0
	seen := map[string]string{}
	var lines []string
	for _, name := range fs.Args()[1:] {
		s, err := w.stream(name)
		if err != nil {
			return err
		}
		for _, ev := range s.dataEvents() {
			if !strings.Contains(ev.Data, *match) {
				continue
			}
			got++
			lines = append(lines, fmt.Sprintf("  %s id=%q %s", s.name, ev.ID, clip(ev.Data, 120)))
			if *unique && ev.ID != "" {
				if other, dup := seen[ev.ID]; dup {
					return fmt.Errorf("events: SSE id %q arrived twice (on %s and on %s): an event was duplicated\n%s", ev.ID, other, s.name, strings.Join(lines, "\n"))
				}
				seen[ev.ID] = s.name
			}
		}
	}
	if got != want {
		return fmt.Errorf("events matching %q on %s = %d, want %d:\n%s", *match, strings.Join(fs.Args()[1:], " "), got, want, strings.Join(lines, "\n"))
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func init() {
	register(command{
		usage:   "stream STREAM COND...",
		summary: "assert STREAM's timeline: status=N events=N events>=N comments>=N lived>=D lived<D headers<D closed-by=REASON open",
		run:     cmdStream,
	})
}

// cmdStream checks conditions on one stream's timeline. Durations are
// scaled; "open" requires the stream not to have ended (its lifetime so far
// is then what lived>= compares).
func cmdStream(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("stream")
	if err := parse(fs, args, 2, -1); err != nil {
		return err
	}
	s, err := w.stream(fs.Arg(0))
	if err != nil {
		return err
	}
	conds := fs.Args()[1:]
	needsEnd := true
	for _, c := range conds {
		if c == "open" || strings.HasPrefix(c, "status=") || strings.HasPrefix(c, "headers<") {
			needsEnd = false
		}
	}
	if needsEnd {
		s.Wait(waitFloor, ended)
	}
	tl := s.Timeline()
	x := harness.ExpectStream(tl)
	var errs []string
	for _, c := range conds {
		if err := w.streamCond(x, tl, c); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if err := x.Check(); err != nil {
		errs = append(errs, err.Error())
	} else if len(errs) > 0 {
		errs = append(errs, tl.String())
	}
	if len(errs) > 0 {
		return fmt.Errorf("stream %s: %s", s.name, strings.Join(errs, "\n"))
	}
	return nil
}

func (w *world) streamCond(x *harness.StreamExpectation, tl harness.Timeline, c string) error {
	intArg := func(prefix string) (int, error) {
		n, err := strconv.Atoi(strings.TrimPrefix(c, prefix))
		if err != nil {
			return 0, fmt.Errorf("condition %q: want %sN", c, prefix)
		}
		return n, nil
	}
	durArg := func(prefix string) (time.Duration, error) { return w.dur(strings.TrimPrefix(c, prefix)) }
	switch {
	case c == "open":
		if tl.Reason != "open" {
			return fmt.Errorf("closed (%s after %s), want open", tl.Reason, tl.Closed)
		}
	case strings.HasPrefix(c, "status="):
		n, err := intArg("status=")
		if err != nil {
			return err
		}
		if tl.Status != n {
			return fmt.Errorf("status = %d, want %d", tl.Status, n)
		}
	case strings.HasPrefix(c, "events>="):
		n, err := intArg("events>=")
		if err != nil {
			return err
		}
		if got := len(tl.DataEvents()); got < n {
			return fmt.Errorf("events = %d, want >= %d", got, n)
		}
	case strings.HasPrefix(c, "events="):
		n, err := intArg("events=")
		if err != nil {
			return err
		}
		x.AfterEvents(n)
	case strings.HasPrefix(c, "comments>="):
		n, err := intArg("comments>=")
		if err != nil {
			return err
		}
		x.AtLeastComments(n)
	case strings.HasPrefix(c, "lived>="):
		d, err := durArg("lived>=")
		if err != nil {
			return err
		}
		x.LivedAtLeast(d)
	case strings.HasPrefix(c, "lived<"):
		d, err := durArg("lived<")
		if err != nil {
			return err
		}
		x.Within(d)
	case strings.HasPrefix(c, "headers<"):
		d, err := durArg("headers<")
		if err != nil {
			return err
		}
		x.HeadersWithin(d)
	case strings.HasPrefix(c, "closed-by="):
		x.ClosedBy(harness.EndReason(strings.TrimPrefix(c, "closed-by=")))
	default:
		return fmt.Errorf("unknown condition %q; want one of status=N events=N events>=N comments>=N lived>=D lived<D headers<D closed-by=REASON open", c)
	}
	return nil
}

func init() {
	register(command{
		usage:   "markers [-timeout D] in-order 'A > B > ...' | absent P | count P N | within 'A > B < D'",
		summary: "assert the servers' log markers (harness patterns: NAME, PREFIX*, NAME ~ detail); in-order, count and within wait up to -timeout",
		run:     cmdMarkers,
	})
}

// cmdMarkers asserts the servers' markers with the harness's assertions
// (the same as `mcpvcr expect`).
func cmdMarkers(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("markers")
	timeout := fs.String("timeout", "10s", "how long in-order, count and within wait (scaled; at least 5 s)")
	if err := parse(fs, args, 2, 3); err != nil {
		return err
	}
	d, err := w.waitTimeout(*timeout, false)
	if err != nil {
		return err
	}
	var check func(harness.Markers) error
	kind, arg := fs.Arg(0), fs.Arg(1)
	usage := "\nusage: " + commands["markers"].usage
	switch kind {
	case "in-order":
		var ps []harness.Pattern
		for _, p := range strings.Split(arg, " > ") {
			ps = append(ps, harness.Pattern(strings.TrimSpace(p)))
		}
		check = func(ms harness.Markers) error { return ms.InOrder(ps...) }
	case "absent":
		ms := w.markers.Markers()
		if err := ms.Absent(harness.Pattern(arg)); err != nil {
			return err
		}
		return nil
	case "count":
		if fs.NArg() != 3 {
			return errors.New("markers count: want a pattern and N" + usage)
		}
		n, err := strconv.Atoi(fs.Arg(2))
		if err != nil {
			return fmt.Errorf("markers count: N %q is not a number%s", fs.Arg(2), usage)
		}
		check = func(ms harness.Markers) error { return ms.Count(harness.Pattern(arg), n) }
	case "within":
		pair, limit, ok := strings.Cut(arg, " < ")
		first, then, ok2 := strings.Cut(pair, " > ")
		if !ok || !ok2 {
			return fmt.Errorf("markers within %q: want 'A > B < DURATION'%s", arg, usage)
		}
		ld, err := w.dur(strings.TrimSpace(limit))
		if err != nil {
			return err
		}
		check = func(ms harness.Markers) error {
			return ms.Within(harness.Pattern(strings.TrimSpace(first)), harness.Pattern(strings.TrimSpace(then)), ld)
		}
	default:
		return fmt.Errorf("markers %q: want in-order, absent, count or within%s", kind, usage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return w.markers.Wait(ctx, check)
}
