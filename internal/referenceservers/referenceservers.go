// Package referenceservers starts MCP servers nobody here wrote, so that
// fixtures are recorded from them and replayed against them:
//
//	EverythingTS        @modelcontextprotocol/server-everything (npm, pinned in
//	                    internal/nodeclients/server-everything), streamableHttp
//	EverythingGo        go-sdk's conformance/everything-server at the go.mod
//	EverythingGoStateless  pin (v1.8.0), built from the module cache
//
//	s, err := referenceservers.Start(ctx, referenceservers.EverythingGo)
//	if err != nil { ... }
//	defer s.Stop()
//	// s.URL is "http://127.0.0.1:PORT"; the MCP endpoint is s.URL + "/mcp".
//
// Nothing of their code is in this repository: the TypeScript server comes
// from the npm registry (`make server-everything`), the Go one is compiled
// from the module cache on first use.
package referenceservers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/mcpvcr/mcpvcr/internal/moduleroot"
	"github.com/mcpvcr/mcpvcr/loopback"
	"github.com/mcpvcr/mcpvcr/syncbuf"
)

// Server is one reference server in one mode.
type Server struct {
	// Name is what the provenance calls it ("go-sdk conformance/everything-server v1.8.0").
	Name string
	// Mode is "stateful" (Mcp-Session-Id, a GET listen stream) or
	// "stateless" (no session, no listen stream).
	Mode string
	// command returns the argv and extra environment to serve on port.
	command func(port string) (argv, env []string, err error)
}

// Describe is the server as the provenance's upstream names it:
// "go-sdk conformance/everything-server v1.8.0 (streamable HTTP, stateless)".
func (s Server) Describe() string { return s.Name + " (streamable HTTP, " + s.Mode + ")" }

// Pinned versions. The npm one must match
// internal/nodeclients/server-everything/package.json; the Go one is the
// go-sdk version in go.mod.
const (
	ServerEverythingVersion = "2026.8.31"
	GoSDKVersion            = "v1.8.0"
)

// The reference servers.
var (
	// EverythingTS is the official TypeScript reference server. It only has
	// a stateful streamable HTTP mode.
	EverythingTS = Server{
		Name:    "@modelcontextprotocol/server-everything " + ServerEverythingVersion,
		Mode:    "stateful",
		command: everythingTSCommand,
	}
	// EverythingGo is go-sdk's conformance server with sessions
	// (-stateless=false).
	EverythingGo = Server{
		Name:    "go-sdk conformance/everything-server " + GoSDKVersion,
		Mode:    "stateful",
		command: everythingGoCommand(false),
	}
	// EverythingGoStateless is the same server in its default stateless
	// mode.
	EverythingGoStateless = Server{
		Name:    "go-sdk conformance/everything-server " + GoSDKVersion,
		Mode:    "stateless",
		command: everythingGoCommand(true),
	}
)

// ErrNotInstalled is returned by Start when the server (or what runs it)
// is not on this machine; the message says which make target installs it.
var ErrNotInstalled = errors.New("reference server not installed")

// Process is a running reference server. The caller should call Stop.
type Process struct {
	// URL is the server's base URL, "http://127.0.0.1:PORT".
	URL  string
	cmd  *exec.Cmd
	stop context.CancelFunc // interrupts the server (see Start)
	out  *syncbuf.Buffer
	done chan error
	once sync.Once
}

// Start runs s on a free loopback port and returns once it accepts
// connections (or ctx ends, or it exits, or 30 s pass).
func Start(ctx context.Context, s Server) (*Process, error) {
	addr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	argv, env, err := s.command(port)
	if err != nil {
		return nil, err
	}
	p := &Process{URL: "http://" + addr, out: &syncbuf.Buffer{}, done: make(chan error, 1)}
	cmdCtx, stop := context.WithCancel(context.Background())
	p.cmd, p.stop = exec.CommandContext(cmdCtx, argv[0], argv[1:]...), stop
	// stop interrupts the server; Wait kills it if it has not exited 5 s
	// later.
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(os.Interrupt) }
	p.cmd.WaitDelay = 5 * time.Second
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		stop()
		return nil, fmt.Errorf("%s: %w", s.Describe(), err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", p.URL[len("http://"):], time.Second)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("%s exited before listening: %v\n%s", s.Describe(), err, p.Output())
		case <-ctx.Done():
			p.Stop()
			return nil, fmt.Errorf("%s did not listen: %w\n%s", s.Describe(), ctx.Err(), p.Output())
		case <-deadline.C:
			p.Stop()
			return nil, fmt.Errorf("%s did not listen on %s within 30s\n%s", s.Describe(), p.URL, p.Output())
		case <-tick.C:
		}
	}
}

// Output is what the server printed so far.
func (p *Process) Output() string {
	return p.out.String()
}

// Stop ends the server (SIGINT, then SIGKILL after 5 s) and waits for it.
func (p *Process) Stop() {
	p.once.Do(func() {
		p.stop()
		<-p.done
	})
}

// everythingTSCommand runs server-everything's streamableHttp transport
// with node from PATH (Node 20 runs it). $SERVER_EVERYTHING_JS overrides
// where its dist/index.js is; the default is the repository's
// .cache/server-everything (`make server-everything`).
func everythingTSCommand(port string) ([]string, []string, error) {
	js := os.Getenv("SERVER_EVERYTHING_JS")
	if js == "" {
		root, err := moduleroot.Find()
		if err != nil {
			return nil, nil, err
		}
		js = filepath.Join(root, ".cache", "server-everything", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	}
	if _, err := os.Stat(js); err != nil {
		return nil, nil, fmt.Errorf("%s: %w (run `make server-everything`)", js, ErrNotInstalled)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, nil, fmt.Errorf("node: %w", ErrNotInstalled)
	}
	// GZIP_ALLOWED_DOMAINS: its gzip tool fetches URLs; the fixtures only
	// give it data: URIs, and nothing else may leave the machine.
	return []string{node, js, "streamableHttp"}, []string{"PORT=" + port, "GZIP_ALLOWED_DOMAINS=localhost.invalid"}, nil
}

func everythingGoCommand(stateless bool) func(port string) ([]string, []string, error) {
	return func(port string) ([]string, []string, error) {
		bin, err := everythingGoBinary()
		if err != nil {
			return nil, nil, err
		}
		return []string{bin, "-http", "127.0.0.1:" + port, "-stateless=" + strconv.FormatBool(stateless)}, nil, nil
	}
}

var goBuild struct {
	once sync.Once
	bin  string
	err  error
}

// everythingGoBinary compiles go-sdk's conformance/everything-server from
// the module cache (the go.mod pin) once per process, to a fixed path in
// the temporary directory (renamed into place, so concurrent test
// processes never run a half-written file). Go's build cache makes every
// build after the first a link.
func everythingGoBinary() (string, error) {
	goBuild.once.Do(func() {
		root, err := moduleroot.Find()
		if err != nil {
			goBuild.err = err
			return
		}
		bin := filepath.Join(os.TempDir(), "mcpvcr-everything-server-"+GoSDKVersion)
		tmp := fmt.Sprintf("%s.%d", bin, os.Getpid())
		cmd := exec.Command("go", "build", "-o", tmp, "github.com/modelcontextprotocol/go-sdk/conformance/everything-server")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			goBuild.err = fmt.Errorf("building go-sdk conformance/everything-server: %v\n%s", err, out)
			return
		}
		if goBuild.err = os.Rename(tmp, bin); goBuild.err == nil {
			goBuild.bin = bin
		}
	})
	return goBuild.bin, goBuild.err
}
