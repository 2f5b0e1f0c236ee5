package scenarios

import (
	"fmt"
	"net/http"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	register(command{
		usage:   "listen-loop [-client C] [-via HOP] [-name L] [-for D] [-backoff D] [-min N] [-max N]",
		summary: "a client's listen loop for D (scaled): GET /mcp again -backoff after each answer or end, stop on 405 or a stream still open; print the GET count, which must be within -min..-max",
		run:     cmdListenLoop,
	})
}

// cmdListenLoop models the listen loop of clients that field failure 23
// reports (Cursor): 405 means "no listen stream here" and ends the loop; any
// other answer, or a stream that ends, is retried after a backoff. go-sdk's
// client treats any 4xx on GET like 405, so it cannot show the loop. Each
// GET is a stream named L.1, L.2, ... The backoff is the client's own
// behaviour, on the scenario's time scale.
func cmdListenLoop(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("listen-loop")
	peer := peerFlags(fs)
	name := fs.String("name", "L", "stream name prefix")
	window := fs.String("for", "60s", "how long the client listens (scaled)")
	backoff := fs.String("backoff", "1s", "the client's wait before the next GET (scaled)")
	least := fs.Int("min", 0, "fewest GETs allowed")
	most := fs.Int("max", -1, "most GETs allowed (-1: no limit)")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	c, base, err := peer.resolve(w)
	if err != nil {
		return err
	}
	span, err := w.dur(*window)
	if err != nil {
		return err
	}
	pause, err := w.dur(*backoff)
	if err != nil {
		return err
	}
	// A GET sent just before the window ends still gets its answer: it is
	// waited for at least answerWait, so a loop of quick 400s never reads
	// as "stream open" because the last one started late.
	answerWait, err := w.dur("30s")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(span)
	gets, last := 0, "window over"
	for time.Now().Before(deadline) {
		gets++
		h := c.mcpHeaders(true, true, "")
		h.Set("Accept", "text/event-stream")
		s, err := w.send(c, request{name: fmt.Sprintf("%s.%d", *name, gets), method: http.MethodGet, base: base, path: "/mcp", header: h})
		if err != nil {
			return err
		}
		if !s.WaitEnded(max(time.Until(deadline), answerWait)) {
			last = "stream open"
			break
		}
		status := s.State().Timeline.Status
		last = fmt.Sprintf("last status %d", status)
		if status == http.StatusMethodNotAllowed {
			last = "stopped on 405"
			break
		}
		select {
		case <-time.After(pause):
		case <-time.After(time.Until(deadline)):
		}
	}
	fmt.Fprintf(ts.Stdout(), "listen-loop %s: %d GETs in %s (%s)\n", *name, gets, *window, last)
	switch {
	case gets < *least:
		return fmt.Errorf("listen-loop %s: %d GETs, want at least %d (%s)", *name, gets, *least, last)
	case *most >= 0 && gets > *most:
		return fmt.Errorf("listen-loop %s: %d GETs, want at most %d (%s)", *name, gets, *most, last)
	}
	return nil
}
