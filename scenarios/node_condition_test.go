package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// sdkDir returns a directory laid out like .cache/node, with the SDK's
// package.json when installed is true.
func sdkDir(t *testing.T, installed bool) string {
	t.Helper()
	dir := t.TempDir()
	if installed {
		pkg := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, "package.json"), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func nodeOnPath(string) (string, error) { return "/usr/bin/node", nil }
func noNode(string) (string, error)     { return "", errors.New("not found") }

// TestNodeCondition: [node] is false without the SDK or node, so the
// scenario skips, except under CI=true, where it is an error naming what
// is missing.
func TestNodeCondition(t *testing.T) {
	tests := []struct {
		name      string
		installed bool
		lookPath  func(string) (string, error)
		ci        bool
		want      bool
		wantErr   string
	}{
		{"all there", true, nodeOnPath, false, true, ""},
		{"all there under CI", true, nodeOnPath, true, true, ""},
		{"no SDK", false, nodeOnPath, false, false, ""},
		{"no node", true, noNode, false, false, ""},
		{"no SDK under CI", false, nodeOnPath, true, false, "make node-clients"},
		{"no node under CI", true, noNode, true, false, "node is not on PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nodeCondition(sdkDir(t, tt.installed), tt.ci, tt.lookPath)
			if got != tt.want {
				t.Errorf("nodeCondition = %v, want %v", got, tt.want)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("nodeCondition error = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "CI=true")):
				t.Errorf("nodeCondition error = %v, want one containing %q and CI=true", err, tt.wantErr)
			}
		})
	}
}

// TestNodeScenarioFailsUnderCI runs node_ts_client_listen.txtar's first
// line with the SDK missing: it skips outside CI and fails under CI=true.
func TestNodeScenarioFailsUnderCI(t *testing.T) {
	for _, ci := range []bool{false, true} {
		t.Run(map[bool]string{false: "local", true: "CI"}[ci], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "node.txtar")
			if err := os.WriteFile(path, []byte("[!node] skip 'needs node'\nserver\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			missing := sdkDir(t, false)
			cond := func(c string) (bool, error) {
				if c == "node" {
					return nodeCondition(missing, ci, nodeOnPath)
				}
				return condition(c)
			}
			ft := &fakeT{}
			testscript.RunT(ft, testscript.Params{Files: []string{path}, Setup: setupWorld, Cmds: scriptCommands(), Condition: cond})
			if ci && (!ft.failed || !strings.Contains(ft.log.String(), "failing instead of skipping")) {
				t.Errorf("under CI=true: failed=%v skipped=%v, want a failure saying so; log:\n%s", ft.failed, ft.skipped, ft.log.String())
			}
			if !ci && (ft.failed || !ft.skipped) {
				t.Errorf("outside CI: failed=%v skipped=%v, want a skip; log:\n%s", ft.failed, ft.skipped, ft.log.String())
			}
		})
	}
}
