// Package recordfixtures re-records the fixtures under fixtures/ through
// the real CLI, one catalog entry (catalog.go) at a time:
//
//	client > mcpvcr record > mcpvcr serve --auto-approve      (record)
//	         mcpvcr replay  > mcpvcr serve --auto-approve      (check, fresh server)
//
// Each entry gets its own `mcpvcr serve` (embedded miniredis, fresh
// secrets) and its own `mcpvcr record`; the client runs against the
// recorder; SIGTERM makes the recorder write the file; then `mcpvcr replay`
// replays it against another fresh `mcpvcr serve`, directly and through
// the clean tunnel profile, and only a file with zero differences
// replaces the committed one. `make fixtures` runs it
// (internal/cmd/recordfixtures).
package recordfixtures

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/internal/referenceservers"
	"github.com/mcpvcr/mcpvcr/syncbuf"
)

// Options configures Record.
type Options struct {
	// MCPVCR is the mcpvcr binary to run (serve, record, replay).
	MCPVCR string
	// Dir is where the fixture is written (fixtures/).
	Dir string
	// Env is added to every process's environment (the mcpvcr ones and an
	// external client).
	Env []string
	// Log receives progress lines and, on failure, the processes' output.
	Log io.Writer
}

// ErrSkipped is returned by Record when an entry needs something this
// machine does not have (an environment variable naming a runtime).
var ErrSkipped = errors.New("skipped")

// Record re-records one fixture and returns the path it wrote.
func Record(ctx context.Context, f Fixture, o Options) (string, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	for _, v := range f.Needs {
		if os.Getenv(v) == "" && !hasEnv(o.Env, v) {
			return "", fmt.Errorf("%s: $%s is not set: %w", f.Name, v, ErrSkipped)
		}
	}
	timeout := f.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tmp, err := os.MkdirTemp("", "mcpvcr-fixture-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, f.Name+".yaml")

	upstream, err := o.startUpstream(ctx, f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", f.Name, err)
	}
	defer upstream.stop()
	rec, err := o.start(ctx, "record", recordingRE, "record", "--upstream", upstream.url, "--listen", "127.0.0.1:0", "--out", out,
		"--upstream-kind", f.UpstreamKind(), "--source", f.Source, "--why", f.Why)
	if err != nil {
		return "", fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rec.stop()
	fmt.Fprintf(o.Log, "%s: %s > mcpvcr record (%s) > %s (%s)\n", f.Name, f.Client, rec.url, f.UpstreamKind(), upstream.url)

	if err := o.runClient(ctx, f, rec.url); err != nil {
		o.dump(rec)
		fmt.Fprintf(o.Log, "--- %s output:\n%s", f.UpstreamKind(), upstream.output())
		return "", fmt.Errorf("%s: client %s: %w", f.Name, f.Client, err)
	}
	if err := rec.stop(); err != nil {
		o.dump(rec)
		return "", fmt.Errorf("%s: mcpvcr record: %w", f.Name, err)
	}
	upstream.stop()

	if err := o.check(ctx, f, out); err != nil {
		return "", err
	}
	dst := filepath.Join(o.Dir, f.File())
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return "", err
	}
	return dst, nil
}

// upstream is the server a fixture is recorded from or replayed against.
type upstream struct {
	url    string
	stop   func()
	output func() string
}

// startUpstream starts a fresh server of the entry's kind: `mcpvcr serve
// --auto-approve` (embedded miniredis, fresh secrets), or its reference
// server.
func (o Options) startUpstream(ctx context.Context, f Fixture) (*upstream, error) {
	if f.Server != nil {
		p, err := referenceservers.Start(ctx, *f.Server)
		if err != nil {
			return nil, err
		}
		return &upstream{url: p.URL, stop: p.Stop, output: p.Output}, nil
	}
	p, err := o.start(ctx, "serve", listeningRE, "serve", "--auto-approve", "--addr", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &upstream{url: p.url, stop: func() { p.stop() }, output: p.out.String}, nil
}

// UpstreamKind is what the provenance's upstream says.
func (f Fixture) UpstreamKind() string {
	if f.Server != nil {
		return f.Server.Describe()
	}
	return "mcpvcr serve --auto-approve"
}

// check replays the new file against a fresh server, directly and through
// the clean tunnel profile: both must show zero differences.
func (o Options) check(ctx context.Context, f Fixture, file string) error {
	c, err := harness.LoadCassette(file)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	if c.Provenance.Source != f.Source {
		return fmt.Errorf("%s: provenance source %q, want %q", f.Name, c.Provenance.Source, f.Source)
	}
	for _, profile := range []string{"", "clean"} {
		fresh, err := o.startUpstream(ctx, f)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		args := []string{"replay", file, "--target", fresh.url}
		if profile != "" {
			args = append(args, "--profile", profile)
		}
		var report bytes.Buffer
		cmd := exec.CommandContext(ctx, o.MCPVCR, args...)
		cmd.Env = append(os.Environ(), o.Env...)
		cmd.Stdout, cmd.Stderr = &report, &report
		err = cmd.Run()
		fresh.stop()
		label := "directly"
		if profile != "" {
			label = "through profile " + profile
		}
		if err != nil || !strings.Contains(report.String(), "\n0 differences") {
			return fmt.Errorf("%s: replay against a fresh %s %s: %v\n%s", f.Name, f.UpstreamKind(), label, err, report.String())
		}
		fmt.Fprintf(o.Log, "%s: replayed against a fresh %s %s: 0 differences\n", f.Name, f.UpstreamKind(), label)
	}
	return nil
}

// runClient runs the entry's client against base (the recorder).
func (o Options) runClient(ctx context.Context, f Fixture, base string) error {
	if f.Run != nil {
		return f.Run(ctx, base)
	}
	env := append(os.Environ(), o.Env...)
	lookup := func(k string) string {
		if k == "URL" {
			return base
		}
		for i := len(env) - 1; i >= 0; i-- {
			if v, ok := strings.CutPrefix(env[i], k+"="); ok {
				return v
			}
		}
		return ""
	}
	var args []string
	for _, a := range f.Command {
		args = append(args, os.Expand(a, lookup))
	}
	if len(args) == 0 {
		return fmt.Errorf("entry has neither Run nor Command")
	}
	var output bytes.Buffer
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(append(env, f.Env...), "MCPVCR_URL="+base)
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(args, " "), err, output.String())
	}
	return nil
}

func hasEnv(env []string, k string) bool {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, k+"="); ok && v != "" {
			return true
		}
	}
	return false
}

// What serve and record print on stderr once they listen.
var (
	listeningRE = regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	recordingRE = regexp.MustCompile(`point the client at (http://[0-9.:]+)`)
)

// process is a running mcpvcr subcommand.
type process struct {
	name string
	url  string
	cmd  *exec.Cmd
	out  *syncbuf.Buffer
	done chan error
	once sync.Once
	err  error
}

// start runs `mcpvcr ARGS...` and waits for the line ready matches on its
// stderr; its first group is the process's URL.
func (o Options) start(ctx context.Context, name string, ready *regexp.Regexp, args ...string) (*process, error) {
	p := &process{name: name, out: &syncbuf.Buffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(o.MCPVCR, args...)
	p.cmd.Env = append(os.Environ(), o.Env...)
	p.cmd.Stdout = p.out
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("mcpvcr %s: %w", name, err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.out.Write([]byte(line + "\n"))
			if m := ready.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		p.done <- p.cmd.Wait()
	}()
	select {
	case p.url = <-found:
		return p, nil
	case err := <-p.done:
		return nil, fmt.Errorf("mcpvcr %s exited before listening: %v\n%s", name, err, p.out.String())
	case <-ctx.Done():
		p.cmd.Process.Kill()
		return nil, fmt.Errorf("mcpvcr %s did not start listening: %w\n%s", name, ctx.Err(), p.out.String())
	}
}

// stop sends SIGTERM (serve shuts down; record writes its file) and waits.
func (p *process) stop() error {
	p.once.Do(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case p.err = <-p.done:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			p.err = fmt.Errorf("mcpvcr %s did not exit 15s after SIGTERM", p.name)
		}
		if p.err != nil {
			p.err = fmt.Errorf("%w\n%s", p.err, p.out.String())
		}
	})
	return p.err
}

func (o Options) dump(ps ...*process) {
	for _, p := range ps {
		fmt.Fprintf(o.Log, "--- mcpvcr %s output:\n%s", p.name, p.out.String())
	}
}
