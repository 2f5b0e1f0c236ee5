package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report as the tables the README carries.
func (rep *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "mcpvcr bench, %s, %s\n", rep.Date, rep.Machine)
	if len(rep.Servers) > 0 {
		fmt.Fprintf(w, "\n(a) tools/call closed loop, each client its own connection and session; median of rounds; ratio to the go-sdk reference of the same era\n")
		writeThroughput(w, rep.Servers, func(t Throughput) *Throughput {
			for i := range rep.Servers {
				if r := &rep.Servers[i]; r.Era == t.Era && strings.HasPrefix(r.Target, "go-sdk") {
					return r
				}
			}
			return nil
		})
	}
	if len(rep.Allocs) > 0 {
		fmt.Fprintf(w, "\n    in process, per tools/call (go test -bench ToolsCall -benchmem ./internal/bench)\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "    server\tµs/call\tB/call\tallocs/call")
		for _, a := range rep.Allocs {
			fmt.Fprintf(tw, "    %s\t%.1f\t%.0f\t%.0f\n", a.Server, a.NsPerCall/1000, a.BytesPerOp, a.AllocsPerOp)
		}
		tw.Flush()
	}
	if len(rep.Tunnels) > 0 {
		fmt.Fprintf(w, "\n(b) our server (OAuth + markers, 2025-11-25) through the tunnel and the recorder; ratio to direct\n")
		writeThroughput(w, rep.Tunnels, func(Throughput) *Throughput { return &rep.Tunnels[0] })
	}
	if len(rep.Delivery) > 0 {
		fmt.Fprintf(w, "\n(c) SSE delivery delay, one event per 10 ms per stream; added = path - direct\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "path\tstreams\tevents\tp50 µs\tp99 µs\tadded p50 µs\tadded p99 µs\terrors")
		direct := map[int]Delivery{}
		for _, d := range rep.Delivery {
			if d.Path == "direct" {
				direct[d.Streams] = d
			}
		}
		for _, d := range rep.Delivery {
			base := direct[d.Streams]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.0f\t%+.0f\t%+.0f\t%s\n", d.Path, d.Streams, d.Events, d.P50US, d.P99US, d.P50US-base.P50US, d.P99US-base.P99US, errText(d.Errors, d.FirstError))
		}
		tw.Flush()
	}
	if l := rep.Listening; l != nil {
		fmt.Fprintf(w, "\n(d) idle listen streams on mcpvcr serve --auth off (baseline RSS %s)\n", mb(l.BaselineRSS))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "wanted\theld\tserver RSS\tRSS per stream\tserver fds\tfirst error")
		for _, s := range l.Steps {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%.1f KB\t%d\t%s\n", s.Wanted, s.Held, mb(s.RSS), s.RSSPerStreamB/1024, s.ServerFDs, s.FirstError)
		}
		tw.Flush()
		expire := "sessions expire after 5 s idle"
		if !l.SessionsExpire {
			expire = "the server has no --session-timeout: sessions never expire"
		}
		fmt.Fprintf(w, "    after clients left (%s): RSS %s (%.1fx baseline) after %.0f s\n", expire, mb(l.AfterRSS), float64(l.AfterRSS)/float64(max(l.BaselineRSS, 1)), l.AfterWaitS)
	}
	if len(rep.Replay) > 0 {
		fmt.Fprintf(w, "\n(e) replay timing fidelity: |live gap - scheduled gap| between consecutive requests (gaps 2-20 ms recorded)\n")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "scale\tgaps\tp50 µs\tp99 µs\tmax µs")
		for _, f := range rep.Replay {
			fmt.Fprintf(tw, "%g\t%d\t%.0f\t%.0f\t%.0f\n", f.Scale, f.Gaps, f.P50US, f.P99US, f.MaxUS)
		}
		tw.Flush()
	}
	if s := rep.Scenarios; s != nil {
		fmt.Fprintf(w, "\n(f) go test -count=1 ./scenarios: %d scenarios, %.1f s wall, %.0f s simulated (%.1fx)\n", s.Count, s.WallS, s.SimulatedS, s.Ratio)
	}
	fmt.Fprintf(w, "\nwhole run: %.0f s\n", rep.WallS)
}

func writeThroughput(w io.Writer, ts []Throughput, baseline func(Throughput) *Throughput) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tera\tc=1 rps\tp50 µs\tp99 µs\tc=16 rps\tp50 µs\tp99 µs\tratio c=1\tratio c=16\terrors")
	for _, t := range ts {
		base := baseline(t)
		fmt.Fprintf(tw, "%s\t%s", t.Target, t.Era)
		for _, l := range t.Loads {
			fmt.Fprintf(tw, "\t%.0f\t%.0f\t%.0f", l.RPS, l.P50US, l.P99US)
		}
		errs, first := 0, ""
		for i, l := range t.Loads {
			ratio := "-"
			if base != nil && i < len(base.Loads) && base.Loads[i].RPS > 0 {
				ratio = fmt.Sprintf("%.2f", l.RPS/base.Loads[i].RPS)
			}
			fmt.Fprintf(tw, "\t%s", ratio)
			errs += l.Errors
			if first == "" {
				first = l.FirstError
			}
		}
		fmt.Fprintf(tw, "\t%s\n", errText(errs, first))
	}
	tw.Flush()
}

func errText(n int, first string) string {
	if n == 0 {
		return "0"
	}
	if len(first) > 60 {
		first = first[:60] + "..."
	}
	return fmt.Sprintf("%d (%s)", n, first)
}

func mb(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
