package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Listening is what idle listen streams cost the server.
type Listening struct {
	BaselineRSS uint64       `json:"baseline_rss"` // the idle server before any stream
	Steps       []ListenStep `json:"steps"`
	// AfterRSS is the server's RSS once every client left and its sessions
	// expired (or the wait ran out), AfterWait how long that took.
	AfterRSS   uint64  `json:"after_rss"`
	AfterWaitS float64 `json:"after_wait_s"`
	// SessionsExpire says whether the server was told to expire idle
	// sessions (it needs a flag for it).
	SessionsExpire bool `json:"sessions_expire"`
}

// ListenStep is the server with Held listen streams open.
type ListenStep struct {
	Wanted        int     `json:"wanted"`
	Held          int     `json:"held"`
	RSS           uint64  `json:"rss"`
	RSSPerStreamB float64 `json:"rss_per_stream_bytes"`
	ServerFDs     int     `json:"server_fds"`
	FirstError    string  `json:"first_error,omitempty"`
}

// holder keeps listen streams open: a session each (initialize), then a GET
// whose body is never read past the headers.
type holder struct {
	mcpURL string
	tr     *http.Transport
	mu     sync.Mutex
	bodies []io.Closer
	held   atomic.Int64
	err    atomic.Value
}

func newHolder(mcpURL string) *holder {
	return &holder{mcpURL: mcpURL, tr: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
}

// openTo opens streams until n are held, with workers in parallel.
func (h *holder) openTo(ctx context.Context, n, workers int) {
	todo := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range todo {
				if err := h.openOne(ctx); err != nil {
					h.err.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	for i := h.held.Load(); i < int64(n) && ctx.Err() == nil; i++ {
		todo <- struct{}{}
	}
	close(todo)
	wg.Wait()
}

func (h *holder) openOne(ctx context.Context) error {
	c := &client{http: &http.Client{Transport: h.tr, Timeout: 30 * time.Second}, mcpURL: h.mcpURL, era: Era2025}
	if err := c.open(ctx); err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.mcpURL, nil)
	c.headers(req, "", "")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{Transport: h.tr}).Do(req)
	if err != nil {
		return fmt.Errorf("GET listen stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return fmt.Errorf("GET listen stream: %s", resp.Status)
	}
	h.mu.Lock()
	h.bodies = append(h.bodies, resp.Body)
	h.mu.Unlock()
	h.held.Add(1)
	return nil
}

// closeAll ends every stream, as clients that leave do.
func (h *holder) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, b := range h.bodies {
		b.Close()
	}
	h.bodies = nil
	h.held.Store(0)
	h.tr.CloseIdleConnections()
}

// measureListening opens listen streams on srv in steps, then lets every
// client go and waits (up to wait) for the server's RSS to come back down.
func measureListening(ctx context.Context, srv *proc, steps []int, expire bool, wait time.Duration, progress func(string)) Listening {
	out := Listening{SessionsExpire: expire}
	out.BaselineRSS, _ = srv.rss()
	h := newHolder(srv.URL() + "/mcp")
	for _, n := range steps {
		progress(fmt.Sprintf("listen streams: opening to %d", n))
		h.openTo(ctx, n, 32)
		// Let the server settle (its first keepalive comment, GC) before reading RSS.
		time.Sleep(500 * time.Millisecond)
		st := ListenStep{Wanted: n, Held: int(h.held.Load()), ServerFDs: srv.fds()}
		st.RSS, _ = srv.rss()
		if st.Held > 0 && st.RSS > out.BaselineRSS {
			st.RSSPerStreamB = float64(st.RSS-out.BaselineRSS) / float64(st.Held)
		}
		if e, ok := h.err.Load().(string); ok {
			st.FirstError = e
		}
		out.Steps = append(out.Steps, st)
	}
	progress("listen streams: clients leave")
	h.closeAll()
	t0 := time.Now()
	for time.Since(t0) < wait {
		time.Sleep(time.Second)
		out.AfterRSS, _ = srv.rss()
		if out.AfterRSS <= 2*out.BaselineRSS {
			break
		}
	}
	out.AfterWaitS = time.Since(t0).Seconds()
	return out
}
