package harness

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind: a
// recorder or replayer that leaks a stream reader per request would.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
