package toxics

import (
	"fmt"
	"net/http"
	"time"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// IdleCut closes a connection after `timeout` ms with no bytes either way,
// as Cloudflare does after 100 s (field failure 11; 125 s measured) and an
// nginx ingress or an ALB after 60 s (field failures 5, 12). When a request is
// waiting and no byte of its response has reached this toxic, the client
// gets the edge's error response first (`status`, 524 by default: "A
// Timeout Occurred"); a response already under way is simply cut. It goes
// downstream; it sees client bytes through request_log (upstream), and
// without it counts downstream bytes only and never answers.
type IdleCut struct {
	Timeout int64 `json:"timeout" help:"ms without a byte either way before the cut (0 = never)"`
	Status  int64 `json:"status" help:"status answered when no response has started (default 524; -1 = just close)"`
}

type idleCutState struct {
	resp *responseSide
	// last is when this toxic last saw a downstream byte or was set up.
	last time.Time
}

// NewState implements toxiproxy's StatefulToxic.
func (t *IdleCut) NewState() interface{} {
	return &idleCutState{resp: newResponseSide(), last: time.Now()}
}

// lastActivity is the later of the last byte each way.
func (st *idleCutState) lastActivity() time.Time {
	if up := st.resp.log.upstreamAt(); up.After(st.last) {
		return up
	}
	return st.last
}

// Pipe implements toxiproxy's Toxic.
func (t *IdleCut) Pipe(stub *tptoxics.ToxicStub) {
	st := stub.State.(*idleCutState)
	if stub.Closed() {
		drain(stub)
		return
	}
	timeout := time.Duration(t.Timeout) * time.Millisecond
	var expired <-chan time.Time
	var timer *time.Timer
	if timeout > 0 {
		timer = time.NewTimer(timeout - time.Since(st.lastActivity()))
		defer timer.Stop()
		expired = timer.C
	}
	for {
		select {
		case <-stub.Interrupt:
			return
		case c := <-stub.Input:
			if c == nil {
				stub.Close()
				return
			}
			st.last = c.Timestamp
			st.resp.parser.feed(c.Data, func(piece) {})
			stub.Output <- c
		case now := <-expired:
			if idle := now.Sub(st.lastActivity()); idle < timeout {
				timer.Reset(timeout - idle)
				continue
			}
			if st.resp.awaitingResponse() && t.Status >= 0 {
				send(stub, edgeError(int(t.Status)))
			}
			cut(stub)
			return
		}
	}
}

// edgeError is the response an edge sends when the origin is too slow.
func edgeError(status int) []byte {
	if status == 0 {
		status = 524
	}
	reason := http.StatusText(status)
	if status == 524 {
		reason = "A Timeout Occurred" // Cloudflare's wording
	}
	body := fmt.Sprintf("error code: %d", status)
	return []byte(fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, reason, len(body), body))
}

func init() { register(IdleCutType, new(IdleCut)) }
