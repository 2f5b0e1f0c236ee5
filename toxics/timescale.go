package toxics

import (
	"fmt"
	"strconv"
	"time"
)

// TimeScale multiplies every duration of a tunnel profile, so a test can run
// Cloudflare's 100 s idle cut as 100 ms (TimeScale 0.001) with the same
// ratios between timeouts, holds and latencies. The server's keepalive
// should be scaled by the same factor (server.Config.TimeScale), or the
// keepalive that saves a stream in production stops saving it in a test.
// The zero value means 1.
type TimeScale float64

// Scale returns d multiplied by the factor. A positive d never scales to 0:
// it stays at least 1 µs, so "hold for a while" never becomes "no hold".
func (s TimeScale) Scale(d time.Duration) time.Duration {
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
func (s TimeScale) Millis(d time.Duration) int64 {
	ms := (s.Scale(d) + time.Millisecond/2) / time.Millisecond
	if ms == 0 && d > 0 {
		ms = 1
	}
	return int64(ms)
}

// Factor returns the multiplier, 1 for the zero value.
func (s TimeScale) Factor() float64 {
	if s == 0 {
		return 1
	}
	return float64(s)
}

func (s TimeScale) String() string { return strconv.FormatFloat(s.Factor(), 'g', -1, 64) }

// ParseTimeScale reads a factor such as "0.001"; it must be > 0.
func ParseTimeScale(v string) (TimeScale, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("time scale %q: want a number > 0", v)
	}
	return TimeScale(f), nil
}
