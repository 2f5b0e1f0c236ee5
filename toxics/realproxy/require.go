package realproxy

import (
	"os"
	"testing"

	"github.com/mcpvcr/mcpvcr/toxics"
)

// Require skips tb unless p's real proxy is installed. Under CI=true, where
// .ci/setup.d/40-proxies.sh installs every one, a missing proxy fails tb
// instead: a test that needs it must not pass by skipping there.
func Require(tb testing.TB, p toxics.Profile) {
	tb.Helper()
	if _, err := Binary(p); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%v: CI must have it (.ci/setup.d/40-proxies.sh)", err)
		}
		tb.Skip(err)
	}
}
