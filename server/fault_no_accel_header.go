package server

// FaultNoAccelHeader leaves out the X-Accel-Buffering: no header the
// server sends on SSE streams, so nginx buffers them (field failure 4).
const FaultNoAccelHeader Fault = "no-accel-header"

func init() {
	registerFault(FaultNoAccelHeader, "no-accel-header: no X-Accel-Buffering: no on SSE streams (nginx buffers them)", faultHooks{head: dropAccelHeader})
}

// dropAccelHeader removes the header the observer set.
func dropAccelHeader(ow *observedWriter, code int) int {
	ow.Header().Del("X-Accel-Buffering")
	return code
}
