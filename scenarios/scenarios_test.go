package scenarios

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScenarios runs every *.txtar file in this folder as a subtest named
// after the file: go test ./scenarios -run TestScenarios/seed_failed_flow.
func TestScenarios(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:       ".",
		Setup:     setupWorld,
		Cmds:      scriptCommands(),
		Condition: condition,
	})
}

// condition answers the scenario conditions besides testscript's own:
//
//	[redis]  REDIS_URL is set: a real Redis to run against (-redis $REDIS_URL)
//	[node]   the pinned TypeScript SDK client is installed (make node-clients)
//	         and node is on PATH; under CI=true a missing one is an error
//	         (the scenario fails) instead of false (it skips), as in
//	         server/mcp_clients_test.go, so CI cannot pass by skipping it
func condition(cond string) (bool, error) {
	switch cond {
	case "redis":
		return os.Getenv("REDIS_URL") != "", nil
	case "node":
		return nodeCondition(nodeDir(), os.Getenv("CI") == "true", exec.LookPath)
	case "browser":
		return browserCondition(os.Getenv("CI") == "true")
	}
	return false, fmt.Errorf("unknown condition %q: scenarios know [redis], [node] and [browser] besides testscript's own", cond)
}

// nodeCondition answers [node] for the SDK under dir; lookPath finds node.
func nodeCondition(dir string, ci bool, lookPath func(string) (string, error)) (bool, error) {
	var missing string
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk", "package.json")); err != nil {
		missing = "the TypeScript SDK is not installed under " + dir + ": run `make node-clients`"
	} else if _, err := lookPath("node"); err != nil {
		missing = "node is not on PATH"
	}
	switch {
	case missing == "":
		return true, nil
	case ci:
		return false, fmt.Errorf("[node]: %s (CI=true: failing instead of skipping)", missing)
	}
	return false, nil
}

// nodeDir is where `make node-clients` installs the TypeScript SDK.
func nodeDir() string {
	dir, _ := filepath.Abs(filepath.Join("..", ".cache", "node"))
	return dir
}
