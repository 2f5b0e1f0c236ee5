// Package timescale holds the one time scale of the simulated world: a
// factor that multiplies every duration the world has (a tunnel profile's
// timeouts, holds and latencies, the server's keepalive and fault delays),
// so a test runs Cloudflare's 100 s idle cut as 100 ms with the same ratios.
// Server (server.Config.TimeScale), tunnel (toxics.TunnelOptions.Scale),
// replayer (harness.ReplayOptions.TimeScale), matrix (matrix.Options.TimeScale)
// and report (report.Session.TimeScale) all take this type; give them the
// same value, or the keepalive that saves a stream in production stops
// saving it in a test. Every --timescale flag of mcpvcr is read by Parse.
// The replayer's pace (harness.ReplayOptions.Pace, --pace) is apart from
// it: how fast to replay the recording, not how long the world's durations are.
//
//	scale := timescale.Scale(0.001)
//	scale.Scale(100 * time.Second) // 100ms
package timescale

import (
	"fmt"
	"strconv"
	"time"
)

// Scale multiplies durations of the simulated world. The zero value means 1.
// It is a flag.Value: fs.Var(&scale, "timescale", "...").
type Scale float64

// Scale returns d multiplied by the factor. A positive d never scales to 0:
// it stays at least 1 µs, so "hold for a while" never becomes "no hold".
func (s Scale) Scale(d time.Duration) time.Duration {
	if s == 0 || s == 1 || d <= 0 {
		return d
	}
	out := time.Duration(float64(d) * float64(s))
	if out < time.Microsecond {
		out = time.Microsecond
	}
	return out
}

// Millis returns d scaled and rounded to whole milliseconds, the unit of
// most toxic attributes; a positive d gives at least 1.
func (s Scale) Millis(d time.Duration) int64 {
	ms := (s.Scale(d) + time.Millisecond/2) / time.Millisecond
	if ms == 0 && d > 0 {
		ms = 1
	}
	return int64(ms)
}

// Factor returns the multiplier, 1 for the zero value.
func (s Scale) Factor() float64 {
	if s == 0 {
		return 1
	}
	return float64(s)
}

func (s Scale) String() string { return strconv.FormatFloat(s.Factor(), 'g', -1, 64) }

// Set parses a factor as Parse does (flag.Value).
func (s *Scale) Set(v string) error {
	p, err := Parse(v)
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// Parse reads a factor such as "0.001"; it must be > 0.
func Parse(v string) (Scale, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("time scale %q: want a number > 0", v)
	}
	return Scale(f), nil
}
