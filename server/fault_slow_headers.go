package server

import "time"

// FaultSlowHeaders holds every MCP response's headers back for DUR
// (field failures 6, 14).
const FaultSlowHeaders DurationFault = "slow-headers"

func init() {
	registerFault(FaultSlowHeaders, "slow-headers=DUR: hold response headers back for DUR", faultHooks{head: holdHeaders})
}

// holdHeaders waits DUR (scaled), or until the request ends, before the
// headers go out.
func holdHeaders(ow *observedWriter, code int) int {
	d := ow.e.scaled(ow.e.faults.Duration(FaultSlowHeaders))
	ow.e.markFault(ow.ctx, Fault(FaultSlowHeaders), "holding headers for %s", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ow.ctx.Done():
	}
	return code
}
