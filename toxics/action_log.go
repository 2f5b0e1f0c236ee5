package toxics

import (
	"fmt"
	"sync/atomic"
	"time"
)

// Action is one thing a toxic did to a connection: held or released a
// response, cut a connection, rewrote a status, dropped a body. `mcpvcr
// tunnel` prints one line per action (docs/tunnel.md).
type Action struct {
	Toxic  ToxicType
	Detail string
}

func (a Action) String() string { return string(a.Toxic) + ": " + a.Detail }

var actionLog atomic.Pointer[func(Action)]

// SetActionLog sends every toxic action in this process to f; nil stops
// it. It is process-wide, because toxiproxy gives a toxic no handle on
// its proxy: the tunnel command, which runs one tunnel per process, sets
// it; tests and the matrix, which run many, leave it unset. f must not
// block: toxics call it on their data path.
func SetActionLog(f func(Action)) {
	if f == nil {
		actionLog.Store(nil)
		return
	}
	actionLog.Store(&f)
}

// logAction reports an action to the action log, if one is set.
func logAction(t ToxicType, format string, args ...any) {
	if f := actionLog.Load(); f != nil {
		(*f)(Action{Toxic: t, Detail: fmt.Sprintf(format, args...)})
	}
}

// describeResponse names a response for an action line: "the 200 text/event-stream to GET /mcp".
func describeResponse(m *message) string {
	s := fmt.Sprintf("the %d %s", m.status, m.mediaType())
	if m.requestMethod != "" {
		s += " to " + m.requestMethod + " " + m.requestTarget
	}
	return s
}

// roundForLog rounds d to the millisecond, or says "<1ms".
func roundForLog(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}
