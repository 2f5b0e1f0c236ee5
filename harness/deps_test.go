package harness

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestLightDependencies keeps the harness light (issue 10): recording,
// replaying and reading logs must not need Redis, miniredis or go-sdk, so a
// user's test that imports harness does not build the server. markers and
// timescale, which server and harness share, import nothing of mcpvcr.
func TestLightDependencies(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, tc := range []struct {
		pkg       string
		forbidden []string
	}{
		{"github.com/mcpvcr/mcpvcr/harness", []string{"github.com/redis/go-redis", "github.com/alicebob/miniredis", "github.com/modelcontextprotocol/go-sdk", "github.com/mcpvcr/mcpvcr/server"}},
		{"github.com/mcpvcr/mcpvcr/markers", []string{"github.com/mcpvcr/mcpvcr/"}},
		{"github.com/mcpvcr/mcpvcr/timescale", []string{"github.com/mcpvcr/mcpvcr/"}},
	} {
		t.Run(filepath.Base(tc.pkg), func(t *testing.T) {
			out, err := exec.Command(goTool, "list", "-deps", tc.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", tc.pkg, err)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 2 {
				t.Fatalf("go list -deps %s listed %d packages, want the package and the standard library it uses", tc.pkg, len(deps))
			}
			for _, dep := range deps {
				if dep == tc.pkg {
					continue
				}
				for _, f := range tc.forbidden {
					if strings.HasPrefix(dep, f) {
						t.Errorf("%s depends on %s: it must not need %s", tc.pkg, dep, f)
					}
				}
			}
		})
	}
}
