package server

import "time"

// FaultNoKeepalive sends no SSE comments at all, not even the one right
// after the headers (field failure 5 and 13).
const FaultNoKeepalive Fault = "no-keepalive"

func init() {
	registerFault(FaultNoKeepalive, "no-keepalive: no SSE comments, not even after the headers", faultHooks{keepalive: noKeepalive, dropSSE: dropComments})
}

func noKeepalive(*mcpEndpoints, time.Duration) time.Duration { return 0 }

// dropComments swallows go-sdk's opening comment and ours (commitEarly).
func dropComments(_ *observedWriter, blocks []sseBlock) bool { return allComments(blocks) }
