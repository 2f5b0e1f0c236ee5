package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/mcpvcr/mcpvcr/toxics/realproxy"
)

// `demo --real P --check` adds P's real proxy as a column and holds it to
// what the simulated P is written down to do: the calibration claim,
// checked from the CLI on every bundled fixture and every real proxy that
// is installed (in CI all of them: .ci/setup.d/40-proxies.sh). Time scale
// 0.1: Apache's timeouts take whole seconds.
func TestDemoRealColumns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real proxies")
	}
	var installed []string
	for _, p := range realproxy.Profiles() {
		if _, err := realproxy.Binary(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%v: CI must have it (.ci/setup.d/40-proxies.sh)", err)
			}
			t.Logf("left out: %v", err)
			continue
		}
		installed = append(installed, string(p))
	}
	if len(installed) == 0 {
		t.Skip("no real proxy installed")
	}
	list := strings.Join(installed, ",")
	var out, errb bytes.Buffer
	code := run([]string{"demo", "--profile", list, "--real", list, "--timescale", "0.1", "--check"}, &out, &errb)
	all := out.String() + errb.String()
	if code != 0 {
		t.Fatalf("exit = %d, want 0 (every real column as its simulation is written down)\n%s", code, all)
	}
	for _, p := range installed {
		if !strings.Contains(all, string(toxics.Profile(p))+" (real)") {
			t.Errorf("no %s (real) column:\n%s", p, all)
		}
	}
}
