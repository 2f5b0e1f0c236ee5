package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Delivery is how late SSE events arrived through one path, at one number
// of concurrent streams.
type Delivery struct {
	Path    string  `json:"path"`
	Streams int     `json:"streams"`
	Events  int     `json:"events"`
	P50US   float64 `json:"p50_us"`
	P99US   float64 `json:"p99_us"`
	Errors  int     `json:"errors"`
	// FirstError says what went wrong, when something did.
	FirstError string `json:"first_error,omitempty"`
}

// measureDelivery opens streams concurrent SSE streams at base+"/events",
// each one event per every for total, and reports each event's delay from
// the server's write to the client's read.
func measureDelivery(ctx context.Context, path, base string, streams int, every, total time.Duration) Delivery {
	d := Delivery{Path: path, Streams: streams}
	tr := &http.Transport{MaxConnsPerHost: streams, MaxIdleConnsPerHost: streams, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	for range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			delays, err := readTicks(ctx, hc, fmt.Sprintf("%s/events?every=%s&for=%s", base, every, total))
			mu.Lock()
			defer mu.Unlock()
			all = append(all, delays...)
			if err != nil {
				d.Errors++
				if d.FirstError == "" {
					d.FirstError = err.Error()
				}
			}
		}()
	}
	wg.Wait()
	d.Events = len(all)
	d.P50US, d.P99US = percentileUS(all, 50), percentileUS(all, 99)
	return d
}

func readTicks(ctx context.Context, hc *http.Client, u string) ([]time.Duration, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET events: %s", resp.Status)
	}
	var delays []time.Duration
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		stamp, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		now := time.Now().UnixNano()
		sent, err := strconv.ParseInt(stamp, 10, 64)
		if err != nil {
			return delays, fmt.Errorf("bad event data %q", stamp)
		}
		delays = append(delays, time.Duration(now-sent))
	}
	return delays, sc.Err()
}
