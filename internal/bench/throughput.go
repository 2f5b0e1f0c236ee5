package bench

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Target is one way to reach a tools/call endpoint: a server, or a server
// behind a tunnel and a recorder.
type Target struct {
	Name   string
	Era    Era
	MCPURL string
	// Token gets a bearer token for a new client; nil means none.
	Token func(ctx context.Context) (string, error)
}

// Load is the outcome of a closed loop at one concurrency.
type Load struct {
	Clients int     `json:"clients"`
	RPS     float64 `json:"rps"` // median over the rounds
	P50US   float64 `json:"p50_us"`
	P99US   float64 `json:"p99_us"`
	Errors  int     `json:"errors"`
	// FirstError says what went wrong, when something did.
	FirstError string `json:"first_error,omitempty"`
}

// round is one closed-loop run.
type round struct {
	calls    int
	errors   int
	firstErr error
	lat      []time.Duration
	elapsed  time.Duration
}

// closedLoop runs clients concurrent clients, each calling tool in a loop
// on its own connection and session for d, and reports what they saw.
// Sessions are opened before the clock starts.
func closedLoop(ctx context.Context, t Target, tool string, clients int, d time.Duration) round {
	var r round
	cs := make([]*client, clients)
	for i := range cs {
		tok := ""
		if t.Token != nil {
			var err error
			if tok, err = t.Token(ctx); err != nil {
				r.errors, r.firstErr = 1, err
				return r
			}
		}
		cs[i] = newClient(t.MCPURL, t.Era, tok)
		defer cs[i].close()
		if err := cs[i].open(ctx); err != nil {
			r.errors, r.firstErr = 1, err
			return r
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	startAt := time.Now()
	stop := startAt.Add(d)
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			var calls, errs int
			var first error
			for time.Now().Before(stop) && ctx.Err() == nil {
				t0 := time.Now()
				err := c.callTool(ctx, tool)
				if err != nil {
					errs++
					if first == nil {
						first = err
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				calls++
			}
			mu.Lock()
			r.calls += calls
			r.errors += errs
			r.lat = append(r.lat, lat...)
			if r.firstErr == nil {
				r.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(startAt)
	return r
}

// summarize turns rounds at one concurrency into a Load: the median round's
// throughput and the latency percentiles of all rounds together.
func summarize(clients int, rounds []round) Load {
	l := Load{Clients: clients}
	var rps []float64
	var lat []time.Duration
	for _, r := range rounds {
		if r.elapsed > 0 {
			rps = append(rps, float64(r.calls)/r.elapsed.Seconds())
		}
		lat = append(lat, r.lat...)
		l.Errors += r.errors
		if r.firstErr != nil && l.FirstError == "" {
			l.FirstError = r.firstErr.Error()
		}
	}
	sort.Float64s(rps)
	if len(rps) > 0 {
		l.RPS = rps[len(rps)/2]
	}
	l.P50US, l.P99US = percentileUS(lat, 50), percentileUS(lat, 99)
	return l
}

func percentileUS(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	i := len(ds) * p / 100
	if i >= len(ds) {
		i = len(ds) - 1
	}
	return float64(ds[i]) / float64(time.Microsecond)
}

// Throughput is one target's closed-loop figures at each concurrency.
type Throughput struct {
	Target string `json:"target"`
	Era    Era    `json:"era"`
	Loads  []Load `json:"loads"`
}

// measureThroughput runs rounds alternating over targets (so that a noisy
// moment hits every target alike), at each concurrency.
func measureThroughput(ctx context.Context, targets []Target, tool string, concurrency []int, rounds int, d time.Duration, progress func(string)) []Throughput {
	out := make([]Throughput, len(targets))
	for i, t := range targets {
		out[i] = Throughput{Target: t.Name, Era: t.Era}
	}
	for _, c := range concurrency {
		per := make([][]round, len(targets))
		for r := range rounds {
			for i, t := range targets {
				progress(fmt.Sprintf("throughput c=%d round %d/%d: %s (%s)", c, r+1, rounds, t.Name, t.Era))
				per[i] = append(per[i], closedLoop(ctx, t, tool, c, d))
			}
		}
		for i := range targets {
			out[i].Loads = append(out[i].Loads, summarize(c, per[i]))
		}
	}
	return out
}
