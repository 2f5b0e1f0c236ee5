package mcpvcrtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
)

// WaitMarkers waits until check holds on the markers log has captured,
// checking again each time a marker arrives, for at most timeout of real
// time. It returns nil, or check's last error followed by every marker
// seen, so a failure shows the evidence.
//
//	err := mcpvcrtest.WaitMarkers(s.Markers, 5*time.Second, mcpvcrtest.InOrder("SSE STREAM START", "STREAM CLOSING"))
func WaitMarkers(log *harness.MarkerLog, timeout time.Duration, check func(harness.Markers) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := log.Wait(ctx, check); err != nil {
		return &MarkerError{Err: err, Seen: log.Markers()}
	}
	return nil
}

// MarkerError is WaitMarkers' error: what check said, and the markers seen
// by then.
type MarkerError struct {
	Err  error
	Seen harness.Markers
}

func (e *MarkerError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	b.WriteString("\nmarkers seen:")
	for _, m := range e.Seen {
		b.WriteString("\n  ")
		b.WriteString(m.String())
	}
	return b.String()
}

func (e *MarkerError) Unwrap() error { return e.Err }

// InOrder is a check for WaitMarkers: the patterns match markers in this
// order (harness.Markers.InOrder).
func InOrder(patterns ...harness.Pattern) func(harness.Markers) error {
	return func(ms harness.Markers) error { return ms.InOrder(patterns...) }
}

// WaitMarkers waits for check on the server's markers and fails t when
// timeout passes first.
func (s *Server) WaitMarkers(t testing.TB, timeout time.Duration, check func(harness.Markers) error) {
	t.Helper()
	if err := WaitMarkers(s.Markers, timeout, check); err != nil {
		t.Fatal(err)
	}
}
