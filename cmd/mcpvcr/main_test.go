package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
	"github.com/mcpvcr/mcpvcr/internal/fixtureclients"
	"github.com/mcpvcr/mcpvcr/internal/recordfixtures"
	"github.com/mcpvcr/mcpvcr/internal/referenceservers"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// cliEnv makes this test binary run as the mcpvcr CLI (TestMain), so the
// end-to-end test runs the real serve, record and replay commands as
// separate processes without building a binary first.
const cliEnv = "MCPVCR_TEST_AS_CLI=1"

func TestMain(m *testing.M) {
	if os.Getenv("MCPVCR_TEST_AS_CLI") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	if os.Getenv("MCPVCR_TEST_AS_CLIENT") == "gosdk" {
		// An external client for the catalog's Command path.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := fixtureclients.GoSDK(ctx, os.Args[1])
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "mcpvcr-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if fixture, err = recordGreetingFixture(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// recordGreetingFixture records harnesstest's session (its greet tool
// answers "hello NAME") into dir.
func recordGreetingFixture(dir string) (string, error) {
	up := harnesstest.NewServer(nil)
	defer up.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := harness.RecordSession(ctx, up.URL, &harness.RecorderOptions{Version: "test"}, harnesstest.RunSession)
	if err != nil {
		return "", fmt.Errorf("recording harnesstest's session: %w", err)
	}
	path := filepath.Join(dir, "greeting.yaml")
	return path, c.Save(path)
}

// gosdkFixture is go-sdk's OAuth session recorded from `mcpvcr serve` by
// `make fixtures`.
const gosdkFixture = "../../fixtures/gosdk_oauth_session.yaml"

// TestReplayCommandRealServer replays the committed go-sdk fixture with
// the CLI against a fresh in-process `mcpvcr serve --auto-approve`,
// directly and through the clean profile.
func TestReplayCommandRealServer(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"directly", nil},
		{"clean profile", []string{"--profile", "clean"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh := servertest.Start(t, server.Config{AutoApprove: true})
			var out, errb bytes.Buffer
			code := run(append([]string{"replay", gosdkFixture, "--target", fresh.URL}, tc.flags...), &out, &errb)
			if code != 0 || !strings.Contains(out.String(), "\n0 differences") {
				t.Errorf("exit = %d, want 0 with 0 differences\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
			}
		})
	}
}

// TestRecordAndReplayThroughTheCLI is issue 5's "Done when" through the
// real CLI, as `make fixtures` does it, for every fixture in the catalog
// that needs nothing but Go (go-sdk's client and the scripted ones):
//
//	client > `mcpvcr record` (process) > `mcpvcr serve --auto-approve` (process)
//	                                     or a reference server (process)
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
			if errors.Is(err, referenceservers.ErrNotInstalled) && os.Getenv("CI") != "true" {
				t.Skip(err)
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			if path != filepath.Join(dir, f.File()) {
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
			if c.Provenance.Upstream != f.UpstreamKind() || c.Provenance.Source != f.Source || c.Provenance.UpstreamOrigin == "" {
				t.Errorf("provenance = %+v", c.Provenance)
			}
		})
	}
}

// TestRecordExternalClient runs the catalog's Command path: the client is
// another process (this test binary as go-sdk's client), given the
// recorder's URL through ${URL} and its environment through Env; and an
// entry whose runtime is missing is skipped, not failed.
func TestRecordExternalClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := recordfixtures.Options{MCPVCR: os.Args[0], Dir: t.TempDir(), Env: []string{cliEnv}}
	f := recordfixtures.Fixture{
		Name:    "external",
		Client:  "go-sdk's client in another process",
		Source:  harness.SourceCaptured,
		Why:     "test",
		Command: []string{os.Args[0], "${URL}"},
		Env:     []string{"MCPVCR_TEST_AS_CLI=", "MCPVCR_TEST_AS_CLIENT=gosdk"},
	}
	path, err := recordfixtures.Record(ctx, f, opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := harness.LoadCassette(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Provenance.Client != fixtureclients.GoSDKName+"/1.8.0" {
		t.Errorf("client = %q, want go-sdk's", c.Provenance.Client)
	}

	f.Needs = []string{"MCPVCR_TEST_NO_SUCH_RUNTIME"}
	if _, err := recordfixtures.Record(ctx, f, opts); !errors.Is(err, recordfixtures.ErrSkipped) {
		t.Errorf("Record with a missing runtime = %v, want ErrSkipped", err)
	}
}
