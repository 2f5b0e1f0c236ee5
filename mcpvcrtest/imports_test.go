package mcpvcrtest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The kit is for other modules' tests, which cannot import mcpvcr's
// internal/ packages: neither may the kit, nor anything it pulls in.
func TestKitImportsNoInternal(t *testing.T) {
	for _, pkg := range []string{".", "../oauthclient", "../server/servertest"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "github.com/mcpvcr/mcpvcr/internal/") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
