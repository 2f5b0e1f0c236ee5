package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/internal/recordfixtures"
)

// cliEnv makes this test binary run as the mcpvcr CLI (TestMain), so the
// end-to-end test runs the real serve, record and replay commands as
// separate processes without building a binary first.
const cliEnv = "MCPVCR_TEST_AS_CLI=1"

func TestMain(m *testing.M) {
	if os.Getenv("MCPVCR_TEST_AS_CLI") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestRecordAndReplayThroughTheCLI is issue 5's "Done when" through the
// real CLI, as `make fixtures` does it, for every fixture in the catalog
// that needs nothing but Go (go-sdk's client and the scripted ones):
//
//	client > `mcpvcr record` (process) > `mcpvcr serve --auto-approve` (process)
//
// SIGTERM makes the recorder write the file, and `mcpvcr replay` (process)
// replays it against a fresh `mcpvcr serve` (process: new miniredis, new
// secrets), directly and through the clean profile, with zero differences.
func TestRecordAndReplayThroughTheCLI(t *testing.T) {
	for _, f := range recordfixtures.Catalog {
		if f.Run == nil {
			continue // external clients (Node) run under `make fixtures`
		}
		t.Run(f.Name, func(t *testing.T) {
			dir := t.TempDir()
			var log bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			path, err := recordfixtures.Record(ctx, f, recordfixtures.Options{MCPVCR: os.Args[0], Dir: dir, Env: []string{cliEnv}, Log: &log})
			if err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			if path != filepath.Join(dir, f.Name+".yaml") {
				t.Errorf("wrote %s, want it in %s", path, dir)
			}
			for _, want := range []string{"directly: 0 differences", "through profile clean: 0 differences"} {
				if !strings.Contains(log.String(), want) {
					t.Errorf("log lacks %q:\n%s", want, log.String())
				}
			}
			c, err := harness.LoadCassette(path)
			if err != nil {
				t.Fatal(err)
			}
			if c.Provenance.Upstream != "mcpvcr serve --auto-approve" || c.Provenance.Source != f.Source || c.Provenance.UpstreamOrigin == "" {
				t.Errorf("provenance = %+v", c.Provenance)
			}
		})
	}
}
