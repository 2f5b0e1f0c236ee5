package report

import (
	"fmt"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
)

// EndCause is why a stream ended, in the words a report labels it with.
type EndCause string

// The causes a report tells apart. The client cannot see a tunnel's idle
// cut as such: it sees a gateway timeout (Cloudflare's 524, an ALB's 504)
// before any byte, or a reset at the cut's time once the body had started
// (toxics' idle_cut does both, as the real edges do: field failure 11).
const (
	EndServerClosed EndCause = "server closed"
	EndIdleCut      EndCause = "tunnel idle cut"
	EndReset        EndCause = "reset"
	EndClient       EndCause = "client closed"
	EndGaveUp       EndCause = "client gave up"
	EndNoResponse   EndCause = "no response"
	EndOpen         EndCause = "still open"
	EndRecorder     EndCause = "recorder closed"
)

// gatewayTimeouts are the statuses an edge answers an idle cut with.
var gatewayTimeouts = map[int]bool{504: true, 524: true}

// Cause says why a live exchange ended. recorded may be nil; cut is the
// idle cut in force (0: none).
func Cause(live harness.Timeline, recorded *harness.Timeline, cut time.Duration) EndCause {
	switch {
	case live.Reason == "open":
		return EndOpen
	case gatewayTimeouts[live.Status] && (recorded == nil || !gatewayTimeouts[recorded.Status]):
		return EndIdleCut
	}
	switch live.Reason {
	case harness.EndServerEOF:
		return EndServerClosed
	case harness.EndReset:
		// A reset as long after the last byte as the cut is the cut.
		if cut > 0 && live.Closed-lastByte(live) >= cut*9/10 {
			return EndIdleCut
		}
		return EndReset
	case harness.EndClientCancel:
		return EndClient
	case harness.EndTimeout:
		return EndGaveUp
	case harness.EndUpstreamError:
		return EndNoResponse
	case harness.EndRecorderClosed:
		return EndRecorder
	}
	return EndCause(live.Reason)
}

// lastByte is the offset of the last thing that arrived on a stream.
func lastByte(tl harness.Timeline) time.Duration {
	last := tl.Headers
	if tl.SeenFirstByte && tl.FirstByte > last {
		last = tl.FirstByte
	}
	for _, e := range tl.Events {
		last = max(last, e.At)
	}
	return last
}

// label is the end label drawn at a stream's end: "tunnel idle cut (524)".
func (c EndCause) label(live harness.Timeline) string {
	switch {
	case c == EndIdleCut && live.Status != 0 && gatewayTimeouts[live.Status]:
		return fmt.Sprintf("%s (%d)", c, live.Status)
	case c == EndIdleCut:
		return string(c) + " (reset)"
	}
	return string(c)
}

// bad reports whether the cause is a failure the reader should see in red.
func (c EndCause) bad() bool {
	switch c {
	case EndIdleCut, EndReset, EndGaveUp, EndNoResponse:
		return true
	}
	return false
}

// idleCut returns the idle cut in force (scaled), 0 if none.
func (s *Session) idleCut() time.Duration {
	for _, t := range s.Toxics {
		if t.Type != "idle_cut" {
			continue
		}
		switch v := t.Attributes["timeout"].(type) {
		case int64:
			return time.Duration(v) * time.Millisecond
		case int:
			return time.Duration(v) * time.Millisecond
		case float64:
			return time.Duration(v * float64(time.Millisecond))
		}
	}
	return 0
}
