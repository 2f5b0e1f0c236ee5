// Package realproxy runs the real reverse proxy a tunnel profile simulates
// (Debian's nginx, haproxy, apache2, caddy), from a config kept here, on
// loopback, in front of an origin:
//
//	client > Proxy.Addr > nginx|haproxy|apache2|caddy > Upstream
//
// Each config is the proxy's packaged default reverse-proxy setup; only the
// paths (pid, logs, temp files in a fresh directory) and the listener
// differ, and every timeout is multiplied by the time scale, so a test can
// run nginx's 60 s read timeout as 600 ms, as the profile does.
//
//	p, err := realproxy.Start(toxics.NginxDefault, realproxy.Options{Upstream: "127.0.0.1:8080"})
//	if err != nil { ... }
//	defer p.Close()
//	http.Get("http://" + p.Addr + "/mcp")
package realproxy

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/mcpvcr/mcpvcr/loopback"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

//go:embed configs
var configs embed.FS

// counterpart is how one profile's real proxy is run.
type counterpart struct {
	binary  string
	config  string // file under configs/
	args    func(conf string) []string
	version []string // arguments that print the version
	http2   bool     // the front speaks HTTP/2 without TLS (h2c, prior knowledge)
	param   map[string]string
}

var counterparts = map[toxics.Profile]counterpart{
	toxics.NginxDefault: {binary: "nginx", config: "nginx-default.conf",
		args: func(c string) []string { return []string{"-c", c, "-e", "stderr"} }, version: []string{"-v"}},
	toxics.NginxHTTP2: {binary: "nginx", config: "nginx-default.conf", http2: true,
		args: func(c string) []string { return []string{"-c", c, "-e", "stderr"} }, version: []string{"-v"}},
	toxics.HAProxyDefault: {binary: "haproxy", config: "haproxy-default.cfg",
		args: func(c string) []string { return []string{"-db", "-f", c} }, version: []string{"-v"}},
	toxics.ApacheDefault: {binary: "apache2", config: "apache-default.conf",
		args:    func(c string) []string { return []string{"-f", c, "-DFOREGROUND"} },
		version: []string{"-v"}, param: map[string]string{"timeout": "60s"}},
	toxics.ApacheDebian: {binary: "apache2", config: "apache-default.conf",
		args:    func(c string) []string { return []string{"-f", c, "-DFOREGROUND"} },
		version: []string{"-v"}, param: map[string]string{"timeout": "300s"}},
	toxics.CaddyDefault: {binary: "caddy", config: "caddy-default.Caddyfile",
		args:    func(c string) []string { return []string{"run", "--config", c, "--adapter", "caddyfile"} },
		version: []string{"version"}},
	toxics.CaddyHTTP2: {binary: "caddy", config: "caddy-default.Caddyfile", http2: true,
		args:    func(c string) []string { return []string{"run", "--config", c, "--adapter", "caddyfile"} },
		version: []string{"version"}},
}

// ErrNoCounterpart is returned for a profile with no real proxy here (a
// platform such as Cloudflare, known from its documentation only).
var ErrNoCounterpart = errors.New("no real proxy for this profile")

// ErrNotInstalled is returned when the profile's proxy binary is not
// installed (.ci/setup.d/40-proxies.sh installs all four).
var ErrNotInstalled = errors.New("real proxy not installed")

// Profiles returns the profiles that have a real counterpart, sorted.
func Profiles() []toxics.Profile {
	return slices.Sorted(maps.Keys(counterparts))
}

// Binary returns the path of the profile's proxy, ErrNoCounterpart or
// ErrNotInstalled.
func Binary(p toxics.Profile) (string, error) {
	c, ok := counterparts[p]
	if !ok {
		return "", fmt.Errorf("%s: %w (have: %v)", p, ErrNoCounterpart, Profiles())
	}
	return lookBinary(c.binary)
}

// lookBinary finds name on PATH or in /usr/sbin, where Debian puts the
// daemons (and which a non-root PATH often lacks).
func lookBinary(name string) (string, error) {
	if path, err := exec.LookPath(name); err == nil {
		return path, nil
	}
	if path := filepath.Join("/usr/sbin", name); isExecutable(path) {
		return path, nil
	}
	return "", fmt.Errorf("%s: %w (apt-get install %s)", name, ErrNotInstalled, name)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// HTTP2 reports whether the profile's real proxy is spoken to over HTTP/2
// (without TLS: h2c with prior knowledge).
func HTTP2(p toxics.Profile) bool { return counterparts[p].http2 }

var versionRE = regexp.MustCompile(`v?(\d+\.\d+(\.\d+)?)`)

var versions sync.Map // binary path -> version string

// Version returns the installed version of the profile's proxy, such as
// "nginx 1.22.1".
func Version(p toxics.Profile) (string, error) {
	bin, err := Binary(p)
	if err != nil {
		return "", err
	}
	if v, ok := versions.Load(bin); ok {
		return v.(string), nil
	}
	c := counterparts[p]
	out, err := exec.Command(bin, c.version...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", bin, strings.Join(c.version, " "), err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("%s: no version in %q", bin, out)
	}
	v := c.binary + " " + string(m[1])
	versions.Store(bin, v)
	return v, nil
}

// Options configures Start.
type Options struct {
	// Upstream is the origin's HOST:PORT.
	Upstream string
	// Listen is where clients connect; empty (or port 0) means a free
	// loopback port. Only a 127.0.0.1 address is accepted.
	Listen string
	// Scale multiplies every timeout of the config, as a profile's.
	Scale timescale.Scale
}

// Proxy is a running real proxy. The caller should call Close when
// finished.
type Proxy struct {
	// Addr is the HOST:PORT clients connect to.
	Addr    string
	Profile toxics.Profile
	// Version is the proxy's name and version, such as "nginx 1.22.1".
	Version string
	// Dir holds the config, pid, logs and temp files; Close removes it.
	Dir string

	cmd    *exec.Cmd
	stop   context.CancelFunc // interrupts the proxy (see Start)
	exited chan struct{}
	output *bytes.Buffer
}

// Start writes the profile's config into a fresh directory and starts its
// proxy in the foreground, then waits until it accepts connections.
func Start(p toxics.Profile, opts Options) (*Proxy, error) {
	c, ok := counterparts[p]
	if !ok {
		return nil, fmt.Errorf("%s: %w (have: %v)", p, ErrNoCounterpart, Profiles())
	}
	bin, err := lookBinary(c.binary)
	if err != nil {
		return nil, err
	}
	if opts.Upstream == "" {
		return nil, errors.New("no upstream HOST:PORT")
	}
	version, err := Version(p)
	if err != nil {
		return nil, err
	}
	listen := opts.Listen
	if listen != "" {
		if host, _, err := net.SplitHostPort(listen); err != nil || host != "127.0.0.1" {
			return nil, fmt.Errorf("listen %q: want 127.0.0.1:PORT (a real proxy here serves loopback only)", listen)
		}
	}
	pick := listen == ""
	if _, port, _ := net.SplitHostPort(listen); port == "0" {
		pick = true
	}
	// A picked port can be taken by another process before the proxy binds
	// it (see listenerOwned): then pick again.
	for attempt := 1; ; attempt++ {
		if pick {
			if listen, err = loopback.FreeAddr(); err != nil {
				return nil, err
			}
		}
		px, err := launch(p, c, bin, version, listen, opts)
		if err != nil {
			if pick && attempt < 3 && portTaken(err) {
				continue
			}
			return nil, err
		}
		owned, known := listenerOwned(px.Addr, px.cmd.Process.Pid)
		if owned || !known {
			return px, nil
		}
		px.Close()
		if !pick || attempt == 3 {
			return nil, fmt.Errorf("%s: another process listens on %s", p, listen)
		}
	}
}

// portTaken reports whether a proxy failed to start because its port was
// in use (nginx, Apache, Caddy: "address already in use"; HAProxy: "cannot
// bind socket").
func portTaken(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "already in use") || strings.Contains(msg, "cannot bind socket")
}

// launch writes the config for listen into a fresh directory, starts the
// proxy in the foreground and waits until listen accepts connections.
func launch(p toxics.Profile, c counterpart, bin, version, listen string, opts Options) (*Proxy, error) {
	dir, err := os.MkdirTemp("", "mcpvcr-"+string(p)+"-")
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, c.config)
	text, err := render(c, templateData{Dir: dir, Listen: listen, Upstream: opts.Upstream,
		HTTP2: c.http2, Root: os.Geteuid() == 0, Param: c.param}, opts.Scale)
	if err == nil {
		err = os.WriteFile(conf, text, 0o600)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s config: %w", p, err)
	}
	px := &Proxy{Addr: listen, Profile: p, Version: version, Dir: dir,
		exited: make(chan struct{}), output: &bytes.Buffer{}}
	ctx, stop := context.WithCancel(context.Background())
	px.cmd, px.stop = exec.CommandContext(ctx, bin, c.args(conf)...), stop
	// stop interrupts the proxy (their graceful stop); Wait kills it if it
	// has not exited 5 s later.
	px.cmd.Cancel = func() error { return px.cmd.Process.Signal(os.Interrupt) }
	px.cmd.WaitDelay = 5 * time.Second
	px.cmd.Dir = dir
	// Caddy keeps its state under HOME and the XDG directories.
	px.cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	px.cmd.Stdout, px.cmd.Stderr = &lockedWriter{w: px.output}, &lockedWriter{w: px.output}
	if err := px.cmd.Start(); err != nil {
		stop()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { px.cmd.Wait(); close(px.exited) }()
	if err := px.waitReady(10 * time.Second); err != nil {
		px.Close()
		return nil, err
	}
	return px, nil
}

// waitReady waits until the proxy accepts a connection, or fails with its
// output if it exits first.
func (px *Proxy) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-px.exited:
			return fmt.Errorf("%s exited at start: %s%s", px.Version, px.Output(), px.errorLog())
		default:
		}
		conn, err := net.DialTimeout("tcp", px.Addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening on %s after %v: %s", px.Version, px.Addr, limit, px.Output())
		}
		select {
		case <-px.exited:
		case <-time.After(20 * time.Millisecond): // poll interval while it binds
		}
	}
}

// Done is closed when the proxy process exits.
func (px *Proxy) Done() <-chan struct{} { return px.exited }

// Output returns what the proxy printed so far.
func (px *Proxy) Output() string {
	outputMu.Lock()
	defer outputMu.Unlock()
	return px.output.String()
}

func (px *Proxy) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(px.Dir, "error.log"))
	return string(b)
}

// Close stops the proxy and removes its directory.
func (px *Proxy) Close() error {
	px.stop()
	<-px.exited
	return os.RemoveAll(px.Dir)
}

var outputMu sync.Mutex

type lockedWriter struct{ w *bytes.Buffer }

func (l *lockedWriter) Write(b []byte) (int, error) {
	outputMu.Lock()
	defer outputMu.Unlock()
	return l.w.Write(b)
}

// templateData is what a config template sees.
type templateData struct {
	Dir, Listen, Upstream string
	HTTP2, Root           bool
	Param                 map[string]string
}

// render fills in a config; {{ms "60s"}} and {{sec "60s"}} scale a
// duration into the proxy's unit. A scale that leaves a seconds-only
// setting (Apache's Timeout) fractional is an error, not a rounding.
func render(c counterpart, data templateData, scale timescale.Scale) ([]byte, error) {
	src, err := configs.ReadFile("configs/" + c.config)
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"ms": func(v string) (string, error) {
			d, err := time.ParseDuration(v)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%dms", scale.Millis(d)), nil
		},
		"sec": func(v string) (string, error) {
			d, err := time.ParseDuration(v)
			if err != nil {
				return "", err
			}
			s := time.Duration(scale.Millis(d)) * time.Millisecond
			if s < time.Second || s%time.Second != 0 {
				return "", fmt.Errorf("%v at time scale %v is %v: this setting takes whole seconds", d, scale, s)
			}
			return fmt.Sprint(int64(s / time.Second)), nil
		},
	}
	tmpl, err := template.New(c.config).Funcs(funcs).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
