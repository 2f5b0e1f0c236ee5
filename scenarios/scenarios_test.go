package scenarios

import (
	"fmt"
	"os"
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
func condition(cond string) (bool, error) {
	switch cond {
	case "redis":
		return os.Getenv("REDIS_URL") != "", nil
	case "node":
		_, err := os.Stat(filepath.Join(nodeDir(), "node_modules", "@modelcontextprotocol", "sdk", "package.json"))
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q: scenarios know [redis] and [node] besides testscript's own", cond)
}

// nodeDir is where `make node-clients` installs the TypeScript SDK.
func nodeDir() string {
	dir, _ := filepath.Abs(filepath.Join("..", ".cache", "node"))
	return dir
}
