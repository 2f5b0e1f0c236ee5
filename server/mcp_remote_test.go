package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/markers"
	"github.com/mcpvcr/mcpvcr/syncbuf"
)

// mcp-remote is the stdio bridge Claude Desktop users put in front of a
// remote server ("command": "npx", "args": ["mcp-remote", URL]):
//
//	test (JSON-RPC on stdin/stdout) > mcp-remote > Streamable HTTP + OAuth > server
//
// It runs the OAuth flow itself: DCR with a redirect URI on its own
// callback server (127.0.0.1:PORT/oauth/callback), then it opens the
// authorization URL in a browser. It opens it with the npm package `open`,
// which on Linux runs its bundled xdg-open; with no desktop, xdg-open runs
// $BROWSER. The test's $BROWSER is a script that GETs the URL and follows
// the redirect (the server auto-approves) to mcp-remote's callback, as a
// browser would, and records the URL it was given.

// mcpRemoteProxy returns the path of mcp-remote's proxy.js installed by
// `make mcp-remote` under .cache/mcp-remote; it skips the test when it is
// missing, or fails it under CI=true.
func mcpRemoteProxy(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", ".cache", "mcp-remote", "node_modules", "mcp-remote", "dist", "proxy.js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		msg := "mcp-remote not installed under .cache/mcp-remote: run `make mcp-remote`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: failing instead of skipping)")
		}
		t.Skip(msg)
	}
	return path
}

// headlessBrowserScript writes the $BROWSER for mcp-remote into dir: it
// appends the URL to browser.log and fetches it with node (redirects
// followed), exiting 0 when the final page answered 2xx.
func headlessBrowserScript(t *testing.T, dir, node string) (script, log string) {
	t.Helper()
	script, log = filepath.Join(dir, "browser"), filepath.Join(dir, "browser.log")
	body := fmt.Sprintf(`#!/bin/sh
# mcp-remote's browser in a test: GET the authorization URL, follow the
# redirect to mcp-remote's callback.
echo "$1" >> %q
exec %q -e 'fetch(process.argv[1]).then(async (r) => { await r.text(); process.exit(r.ok ? 0 : 1); }, (e) => { console.error(e); process.exit(1); })' "$1"
`, log, node)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, log
}

// freeLoopbackPort returns a port that was free on 127.0.0.1 a moment ago,
// for mcp-remote's OAuth callback server.
func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// stdioPeer speaks newline-delimited JSON-RPC with a child process.
type stdioPeer struct {
	stdin     io.WriteCloser
	responses chan map[string]any
	done      chan struct{} // closed when stdout ends
}

func (p *stdioPeer) send(t *testing.T, msg string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, msg+"\n"); err != nil {
		t.Fatalf("write to mcp-remote: %v", err)
	}
}

// call sends a request and waits for the response with its id.
func (p *stdioPeer) call(t *testing.T, id int, method, params string) map[string]any {
	t.Helper()
	p.send(t, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, id, method, params))
	deadline := time.After(waitTimeout)
	for {
		select {
		case m := <-p.responses:
			if got, _ := m["id"].(float64); got != float64(id) {
				continue // a notification or another id
			}
			if e, ok := m["error"]; ok {
				t.Fatalf("%s: error %v", method, e)
			}
			res, _ := m["result"].(map[string]any)
			return res
		case <-p.done:
			t.Fatalf("%s: mcp-remote closed stdout", method)
		case <-deadline:
			t.Fatalf("%s: no response within %v", method, waitTimeout)
		}
	}
}

func TestMCPRemote(t *testing.T) {
	proxy := mcpRemoteProxy(t)
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not on PATH (CI=true: failing instead of skipping)")
		}
		t.Skip("node not on PATH")
	}
	s := startMCPServer(t, Config{AutoApprove: true}, nil)

	home := t.TempDir() // mcp-remote keeps its tokens under $HOME/.mcp-auth
	browser, browserLog := headlessBrowserScript(t, t.TempDir(), node)
	port := freeLoopbackPort(t)
	cmd := exec.CommandContext(t.Context(), node, proxy, s.URL+"/mcp", fmt.Sprint(port), "--host", "127.0.0.1")
	// A minimal environment: no DISPLAY or desktop, so xdg-open falls back
	// to $BROWSER and nothing else is launched.
	cmd.Env = []string{"HOME=" + home, "PATH=" + filepath.Dir(node) + ":/usr/bin:/bin", "BROWSER=" + browser}
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // mcp-remote shuts down when its stdin ends
		cmd.Wait()
		if t.Failed() {
			t.Logf("mcp-remote stderr:\n%s", stderr.String())
		}
	})
	peer := &stdioPeer{stdin: stdin, responses: make(chan map[string]any, 16), done: make(chan struct{})}
	go func() {
		defer close(peer.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				peer.responses <- m
			}
		}
	}()

	initResult := peer.call(t, 1, "initialize", `{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"mcpvcr-test","version":"0"}}`)
	if info, _ := initResult["serverInfo"].(map[string]any); info["name"] != "mcpvcr" {
		t.Errorf("initialize serverInfo = %v, want name mcpvcr", initResult["serverInfo"])
	}
	peer.send(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	list := peer.call(t, 2, "tools/list", `{}`)
	var names []string
	tools, _ := list["tools"].([]any)
	for _, tool := range tools {
		names = append(names, tool.(map[string]any)["name"].(string))
	}
	slices.Sort(names)
	if got := strings.Join(names, ","); got != "echo,fail,notify,slow,whoami" {
		t.Errorf("tools/list = %s, want echo,fail,notify,slow,whoami", got)
	}

	echo := peer.call(t, 3, "tools/call", `{"name":"echo","arguments":{"text":"through mcp-remote"}}`)
	if got := firstText(echo); got != "through mcp-remote" {
		t.Errorf("echo = %q, want %q", got, "through mcp-remote")
	}
	who := peer.call(t, 4, "tools/call", `{"name":"whoami","arguments":{}}`)
	registered := s.markers.waitMarker(t, markers.OAuthClientRegistered, fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", port))
	checkWhoami(t, firstText(who), Whoami{
		ClientID: strings.Fields(strings.TrimPrefix(registered.Detail, "client_id="))[0],
		Subject:  localSubject,
		Scopes:   []string{"mcp", "offline_access"},
		Audience: s.URL + "/mcp",
	})

	// The token came through the browser: one authorization URL visited.
	b, err := os.ReadFile(browserLog)
	if err != nil {
		t.Fatalf("the browser was never opened: %v", err)
	}
	if urls := strings.Fields(string(b)); len(urls) != 1 || !strings.HasPrefix(urls[0], s.URL+"/authorize?") {
		t.Errorf("browser opened %q, want one %s/authorize?... URL", urls, s.URL)
	}
}

// firstText returns the text of a tools/call result's first content block.
func firstText(result map[string]any) string {
	content, _ := result["content"].([]any)
	if len(content) == 0 {
		return ""
	}
	text, _ := content[0].(map[string]any)["text"].(string)
	return text
}
