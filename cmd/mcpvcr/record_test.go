package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
)

func TestRecordCommandFlags(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"source must be captured or assembled", []string{"--source", "scripted"}, 2, `--source "scripted": want "captured" or "assembled: what the script followed"`},
		{"assembled needs what it followed", []string{"--source", "assembled"}, 2, `--source "assembled"`},
		{"public URL must be an origin", []string{"--public-url", "https://a.example/mcp"}, 2, `recorder public URL: "https://a.example/mcp": want an origin`},
		{"upstream origin must be an origin", []string{"--upstream-origin", "a.example"}, 2, `recorder upstream origin: "a.example": want an origin`},
		{"missing out", []string{"--out", ""}, 2, "Usage: mcpvcr record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"record", "--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--out", t.TempDir() + "/x.yaml"}, tc.args...)
			var out, errb bytes.Buffer
			code := run(args, &out, &errb)
			if code != tc.wantCode {
				t.Errorf("exit = %d, want %d\n%s%s", code, tc.wantCode, out.String(), errb.String())
			}
			if all := out.String() + errb.String(); !strings.Contains(all, tc.wantOut) {
				t.Errorf("output lacks %q:\n%s", tc.wantOut, all)
			}
		})
	}
}

// TestRecordKilledLeavesLoadableCassette kills `mcpvcr record` (a real
// process) with SIGKILL in the middle of a session: the file it leaves
// loads, with go-vcr's cassette.Load too, and holds every interaction that
// had finished (initialize, notifications/initialized, tools/call) but not
// the listen stream that was still open.
func TestRecordKilledLeavesLoadableCassette(t *testing.T) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "kill-test", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "ping"}, func(context.Context, *mcp.CallToolRequest, any) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "pong"}}}, nil, nil
	})
	up := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil))
	defer up.Close()

	out := filepath.Join(t.TempDir(), "killed.yaml")
	cmd := exec.Command(os.Args[0], "record", "--upstream", up.URL, "--listen", "127.0.0.1:0", "--out", out)
	cmd.Env = append(os.Environ(), cliEnv)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := regexp.MustCompile(`point the client at (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				listening <- m[1]
			}
		}
	}()
	var base string
	select {
	case base = <-listening:
	case <-time.After(30 * time.Second):
		t.Fatal("mcpvcr record did not start listening within 30s")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "kill-test-client", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/mcp"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "ping"}); err != nil {
		t.Fatal(err)
	}
	// The tools/call has finished once the file shows it.
	var before *harness.Cassette
	for before == nil {
		if c, err := harness.LoadCassette(out); err == nil && strings.Contains(bodies(c), `"tools/call"`) {
			before = c
			continue
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the tools/call never reached %s: %v", out, ctx.Err())
		case <-time.After(20 * time.Millisecond): // polling a file another process writes
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	if _, err := cassette.Load(strings.TrimSuffix(out, ".yaml")); err != nil {
		t.Errorf("go-vcr cassette.Load of the killed recorder's file: %v", err)
	}
	c, err := harness.LoadCassette(out)
	if err != nil {
		t.Fatalf("LoadCassette of the killed recorder's file: %v", err)
	}
	for _, want := range []string{`"initialize"`, `"notifications/initialized"`, `"tools/call"`} {
		if !strings.Contains(bodies(c), want) {
			t.Errorf("the file lacks the finished %s", want)
		}
	}
	for _, in := range c.Interactions {
		if in.Request.Method == http.MethodGet {
			t.Errorf("the listen stream, still open when the recorder was killed, is in the file (end %s)", in.Stream.Reason)
		}
		if in.Stream.Reason == "" {
			t.Errorf("interaction %d (%s) has no end reason", in.ID, in.Request.Method)
		}
	}
	if len(c.Interactions) < len(before.Interactions) {
		t.Errorf("interactions = %d, fewer than the %d seen before the kill", len(c.Interactions), len(before.Interactions))
	}
}

// bodies joins every request body of c.
func bodies(c *harness.Cassette) string {
	var b strings.Builder
	for _, in := range c.Interactions {
		b.WriteString(in.Request.Body)
	}
	return b.String()
}
