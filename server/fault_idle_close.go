package server

import "fmt"

// FaultIdleClose closes any SSE stream that has written nothing for DUR,
// as Cloudflare cuts a quiet connection (field failure 11).
const FaultIdleClose DurationFault = "idle-close"

func init() {
	registerFault(FaultIdleClose, "idle-close=DUR: close any SSE stream idle for DUR", faultHooks{sseStart: armIdleClose})
}

// armIdleClose gives an SSE stream a clock that cancels the request after
// DUR (scaled) without a write, as a tunnel that cuts quiet connections
// would. A keepalive comment is a write, which is why keepalive defeats it.
func armIdleClose(ow *observedWriter) {
	d := ow.e.scaled(ow.e.faults.Duration(FaultIdleClose))
	ow.addClock(d, func() {
		ow.e.markFault(ow.ctx, Fault(FaultIdleClose), "no bytes for %s, closing the stream", d)
		ow.cancel(streamCut(fmt.Sprintf("idle for %s (fault idle-close)", d)))
	})
}
