// Package toxiproxytest finds the real toxiproxy-server and toxiproxy-cli
// binaries (v2.12.0, built from the module proxy by
// .ci/setup.d/30-toxiproxy.sh or `make toxiproxy`) and starts them for
// tests.
//
// Without the binaries a test is skipped with the command that builds them,
// except under CI=true, where it fails: CI must prove the real tools work.
package toxiproxytest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/moduleroot"
)

// Tool names one of toxiproxy's binaries.
type Tool string

const (
	// Server is toxiproxy-server (go install names it `server`).
	Server Tool = "server"
	// CLI is toxiproxy-cli (go install names it `cli`).
	CLI Tool = "cli"
)

// Binary returns the path of a toxiproxy tool: $TOXIPROXY_BIN_DIR/NAME, then
// .cache/bin/NAME in the module root, then toxiproxy-NAME on PATH.
func Binary(t testing.TB, tool Tool) string {
	t.Helper()
	var tried []string
	if dir := os.Getenv("TOXIPROXY_BIN_DIR"); dir != "" {
		tried = append(tried, filepath.Join(dir, string(tool)))
	}
	if root, err := moduleroot.Find(); err == nil {
		tried = append(tried, filepath.Join(root, ".cache", "bin", string(tool)))
	}
	for _, p := range tried {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("toxiproxy-" + string(tool)); err == nil {
		return p
	}
	msg := fmt.Sprintf("toxiproxy %s binary not found (looked at %v and toxiproxy-%s on PATH); build it with `make toxiproxy`", tool, tried, tool)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// StartServer runs the real toxiproxy-server on a free loopback port until
// the test ends and returns its API URL.
func StartServer(t testing.TB) string {
	t.Helper()
	bin := Binary(t, Server)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close() // a small race with other listeners; the wait below reports it
	cmd := exec.Command(bin, "-host", "127.0.0.1", "-port", port)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start toxiproxy-server: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := "http://127.0.0.1:" + port
	WaitReady(t, url)
	return url
}

// WaitReady waits until a toxiproxy API answers /version.
func WaitReady(t testing.TB, url string) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url + "/version")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(end) {
			t.Fatalf("toxiproxy API at %s not ready: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a starting process
	}
}
