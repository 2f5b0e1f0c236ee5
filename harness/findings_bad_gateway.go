package harness

import (
	"fmt"
	"net/http"
	"time"
)

// quietBeforeRace is the least quiet spell (production time) after which
// a 502 on a POST fits the keep-alive race of field failure 28: the
// shortest common server keep-alive (gunicorn 2 s; Node and uvicorn 5 s).
const quietBeforeRace = 2 * time.Second

// badGateway diagnoses the 502 of exchange i, from what the client saw.
// A POST answered 502 at once after a quiet spell, with earlier exchanges
// answered, the last of them not a 502 and not every later one lost too
// (a server that is gone), is
// the keep-alive race (field failure 28: docs/field-failures.md): a load
// balancer sent it on a pooled connection the server had closed, and a
// GET would have been sent again. Anything else is the proxy having lost
// the server.
func (fr findingRules) badGateway(c *Cassette, i int, results []Result) string {
	rec, live := c.Interactions[i], results[i]
	lost := fmt.Sprintf("%s answered 502: the proxy lost the server", what(rec))
	threshold := fr.world(quietBeforeRace)
	if rec.Request.Method != http.MethodPost || live.Timeline.Headers > threshold {
		return lost
	}
	quiet, last, ok := quietBefore(results, i)
	if !ok || quiet < threshold || last.Timeline.Status == http.StatusBadGateway || allLostAfter(results, i) {
		return lost
	}
	return fmt.Sprintf("%s answered 502 at once after %s of quiet: likely a load balancer that sent it on a pooled connection the server had already closed, its keep-alive being shorter than the balancer's idle timeout (such a request never reaches the server, which logs nothing; a GET would have been sent again); make the server's keep-alive longer than the balancer's idle timeout (ALB 60 s: 65 s), field failure 28",
		what(rec), ms(quiet))
}

// quietBefore returns the last exchange to end before exchange i went
// out, and how long before: the time the path's connections sat idle. ok
// is false when none had ended with an answer (nothing pooled to reuse).
func quietBefore(results []Result, i int) (quiet time.Duration, last Result, ok bool) {
	start := results[i].Started
	var lastEnd time.Duration
	for j, r := range results {
		tl := r.Timeline
		end := tl.Opened + tl.Closed
		if j == i || tl.Status == 0 || end > start || (ok && end < lastEnd) {
			continue
		}
		lastEnd, last, ok = end, r, true
	}
	return start - lastEnd, last, ok
}

// allLostAfter reports whether there are exchanges after i and none of
// them got an answer other than 502: the server is gone, not racing.
func allLostAfter(results []Result, i int) bool {
	later := results[i+1:]
	for _, r := range later {
		if r.Timeline.Status != 0 && r.Timeline.Status != http.StatusBadGateway {
			return false
		}
	}
	return len(later) > 0
}
