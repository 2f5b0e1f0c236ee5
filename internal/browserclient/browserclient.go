// Package browserclient runs the TypeScript SDK's MCP client inside a web
// page in Debian's headless chromium, against a server on another origin,
// so CORS applies as it does to a browser-based MCP client:
//
//	chromium page (127.0.0.1:P) > fetch, CORS > server or tunnel /mcp
//
// The page (page/) is bundled by esbuild (.cache/browser, from
// .ci/setup.d/46-browser-client.sh) from the SDK in .cache/node, and driven
// through the DevTools protocol over a pipe.
//
//	res, err := browserclient.Run(ctx, browserclient.Options{Server: url + "/mcp", Token: token})
//	if err == nil && !res.OK { fmt.Println(res.Error, res.Console) }
package browserclient

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mcpvcr/mcpvcr/internal/moduleroot"
)

//go:embed page
var page embed.FS

// ErrMissing is returned when chromium, node's SDK or esbuild is not
// installed; the error says which and how to install it.
var ErrMissing = errors.New("browser client not installed")

// Options configures Run.
type Options struct {
	// Server is the MCP endpoint URL, e.g. http://127.0.0.1:8080/mcp.
	Server string
	// Token is the bearer token the page's client sends.
	Token string
	// Chromium is the browser; empty means /usr/bin/chromium or PATH.
	Chromium string
}

// Result is what the page's client did.
type Result struct {
	// OK is true when the session completed: initialize, tools/list, a
	// tool call and the DELETE that ends it.
	OK bool `json:"ok"`
	// Steps are the steps that succeeded, in order.
	Steps []string `json:"steps"`
	// Error is the client's error when OK is false.
	Error string `json:"error"`
	// Console is what the browser logged (its CORS refusals are here).
	Console []string `json:"-"`
}

// Available reports, with an error wrapping ErrMissing, what is missing
// for Run: chromium, esbuild or the TypeScript SDK.
func Available() error {
	if _, err := findChromium(""); err != nil {
		return err
	}
	_, err := bundleClient()
	return err
}

// Run opens the page in a fresh headless chromium, runs the client against
// opts.Server and returns what it did. An error means the run could not
// happen (see ErrMissing); a failed session is a Result with OK false.
func Run(ctx context.Context, opts Options) (*Result, error) {
	chromium, err := findChromium(opts.Chromium)
	if err != nil {
		return nil, err
	}
	bundle, err := bundleClient()
	if err != nil {
		return nil, err
	}
	origin, closeOrigin, err := servePage(bundle)
	if err != nil {
		return nil, err
	}
	defer closeOrigin()

	profile, err := os.MkdirTemp("", "mcpvcr-chromium-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	toBrowser, commands, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	answers, fromBrowser, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fds 3 and 4
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", chromium, err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	defer func() {
		commands.Close()
		cancel()
		cmd.Wait()
		answers.Close()
	}()

	res := &Result{}
	var mu sync.Mutex
	dt := newDevtools(commands, answers, func(m cdpMessage) {
		var p struct {
			Entry struct {
				Text string `json:"text"`
			} `json:"entry"`
			ExceptionDetails struct {
				Text string `json:"text"`
			} `json:"exceptionDetails"`
		}
		if m.Method != "Log.entryAdded" && m.Method != "Runtime.exceptionThrown" {
			return
		}
		json.Unmarshal(m.Params, &p)
		mu.Lock()
		res.Console = append(res.Console, strings.TrimSpace(p.Entry.Text+" "+p.ExceptionDetails.Text))
		mu.Unlock()
	})
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := dt.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := dt.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	s := attached.SessionID
	for _, m := range []string{"Log.enable", "Runtime.enable", "Page.enable"} {
		if err := dt.call(ctx, s, m, map[string]any{}, nil); err != nil {
			return nil, err
		}
	}
	if err := dt.call(ctx, s, "Page.navigate", map[string]any{"url": origin + "/"}, nil); err != nil {
		return nil, err
	}
	// Wait for the module to define mcpvcrRun, then run the session; both
	// are promises the protocol awaits, so nothing here polls.
	ready := `new Promise(r => { const f = () => window.mcpvcrReady ? r(true) : setTimeout(f, 10); f(); })`
	if _, err := evaluate(ctx, dt, s, ready); err != nil {
		return nil, err
	}
	arg, _ := json.Marshal(map[string]string{"server": opts.Server, "token": opts.Token})
	value, err := evaluate(ctx, dt, s, "window.mcpvcrRun("+string(arg)+")")
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(value, res); err != nil {
		return nil, fmt.Errorf("page result %s: %w", value, err)
	}
	mu.Lock()
	defer mu.Unlock()
	return res, nil
}

// evaluate runs expression in the page, awaits its promise and returns the
// value as JSON.
func evaluate(ctx context.Context, dt *devtools, session, expression string) ([]byte, error) {
	var out struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := dt.call(ctx, session, "Runtime.evaluate", map[string]any{
		"expression": expression, "awaitPromise": true, "returnByValue": true}, &out)
	if err != nil {
		return nil, err
	}
	if out.ExceptionDetails != nil {
		return nil, fmt.Errorf("page: %s", out.ExceptionDetails.Text)
	}
	return out.Result.Value, nil
}

func findChromium(path string) (string, error) {
	for _, p := range []string{path, "/usr/bin/chromium", "chromium"} {
		if p == "" {
			continue
		}
		if found, err := exec.LookPath(p); err == nil {
			return found, nil
		}
	}
	return "", fmt.Errorf("%w: no chromium (apt-get install chromium, or bash .ci/setup.d/45-chromium.sh)", ErrMissing)
}

// servePage serves the page and the bundle on a loopback port of its own:
// another origin than the server's.
func servePage(bundle []byte) (origin string, stop func(), err error) {
	html, err := page.ReadFile("page/index.html")
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(html)
	})
	mux.HandleFunc("/client.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(bundle)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

var bundled struct {
	once sync.Once
	js   []byte
	err  error
}

// bundleClient bundles page/client.mjs with the SDK, once per process.
func bundleClient() ([]byte, error) {
	bundled.once.Do(func() { bundled.js, bundled.err = runEsbuild() })
	return bundled.js, bundled.err
}

func runEsbuild() ([]byte, error) {
	root, err := moduleroot.Find()
	if err != nil {
		return nil, err
	}
	esbuild := filepath.Join(root, ".cache", "browser", "node_modules", ".bin", "esbuild")
	sdk := filepath.Join(root, ".cache", "node", "node_modules")
	if _, err := os.Stat(esbuild); err != nil {
		return nil, fmt.Errorf("%w: no esbuild under .cache/browser (bash .ci/setup.d/46-browser-client.sh)", ErrMissing)
	}
	if _, err := os.Stat(filepath.Join(sdk, "@modelcontextprotocol", "sdk", "package.json")); err != nil {
		return nil, fmt.Errorf("%w: no TypeScript SDK under .cache/node (make node-clients)", ErrMissing)
	}
	dir, err := os.MkdirTemp("", "mcpvcr-page-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	src, err := page.ReadFile("page/client.mjs")
	if err != nil {
		return nil, err
	}
	entry, out := filepath.Join(dir, "client.mjs"), filepath.Join(dir, "client.js")
	if err := os.WriteFile(entry, src, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(esbuild, entry, "--bundle", "--format=esm", "--platform=browser", "--log-level=warning", "--outfile="+out)
	cmd.Env = append(os.Environ(), "NODE_PATH="+sdk)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("esbuild: %w\n%s", err, b)
	}
	return os.ReadFile(out)
}
