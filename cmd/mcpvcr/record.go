package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
)

func init() {
	register(command{name: "record", summary: "record a session through a streaming reverse proxy into a fixture", run: runRecord})
}

func runRecord(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("record", "record --upstream URL [--listen ADDR] --out FILE [flags]", stderr)
	upstream := fs.String("upstream", "", "server to record (http://host:port or https://host)")
	listen := fs.String("listen", "127.0.0.1:8090", "address the client connects to")
	out := fs.String("out", "", "cassette file to write (.yaml is added if missing)")
	kind := fs.String("upstream-kind", "", "what the upstream is, for the provenance (default: the server's name from initialize)")
	tunnel := fs.String("tunnel", "none", "what sits between the client and the server, for the provenance: the tunnel in front of --listen (\"cloudflared quick tunnel\") or behind the recorder")
	why := fs.String("why", "", "why this fixture is kept, for the provenance")
	insecure := fs.Bool("insecure", false, "accept any TLS certificate from an https upstream")
	source := fs.String("source", harness.SourceCaptured, "how the traffic came about, for the provenance: captured (a real client), or \"assembled: WHAT THE SCRIPT FOLLOWED\" for a scripted client")
	publicURL := fs.String("public-url", "", "origin clients use when a tunnel is in front of --listen (https://NAME.trycloudflare.com); default: from each request's Forwarded / X-Forwarded-Proto / X-Forwarded-Host")
	upstreamOrigin := fs.String("upstream-origin", "", "origin the upstream names itself by (its OAuth issuer) when not --upstream's; default: the public origin when the client comes through a tunnel, else --upstream's")
	drain := fs.Duration("drain", 2*time.Second, "on Ctrl-C or SIGTERM, wait this long for requests in flight to end before closing them")
	var redact stringList
	fs.Var(&redact, "redact", "also replace what this regular expression matches (its first group, if any) with __REDACTED_n__ (repeatable), for secrets no built-in rule knows")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *upstream == "":
		return missingFlag(fs, stderr, "--upstream URL (the server to record)")
	case *out == "":
		return missingFlag(fs, stderr, "--out FILE (the cassette to write)")
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "mcpvcr record: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return errUsage
	}
	if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
		return fmt.Errorf("--out %s: is a directory, want a file (FILE.yaml)", *out)
	}
	if !strings.HasSuffix(*out, ".yaml") {
		*out += ".yaml"
	}
	// Before listening: a recording that cannot be written is found out
	// now, not when the session is over.
	if err := checkWritable(*out); err != nil {
		return err
	}
	if *source != harness.SourceCaptured && !strings.HasPrefix(*source, harness.SourceAssembled+": ") {
		return fmt.Errorf("--source %q: want %q or %q", *source, harness.SourceCaptured, harness.SourceAssembled+": what the script followed")
	}
	opts := &harness.RecorderOptions{Out: *out, Upstream: *kind, Tunnel: *tunnel, Why: *why, Version: version, Source: *source, PublicURL: *publicURL, UpstreamOrigin: *upstreamOrigin}
	for _, p := range redact {
		re, err := regexp.Compile(p)
		if err != nil {
			return fmt.Errorf("--redact %q: %w", p, err)
		}
		opts.Redact = append(opts.Redact, re)
	}
	if *insecure {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		t.DisableCompression = true
		opts.Transport = t
	}
	rec, err := harness.NewRecorder(*upstream, opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Fprintf(stderr, "mcpvcr record: point the client at http://%s (recording %s); each finished interaction is written to %s, Ctrl-C or SIGTERM ends the recording\n", ln.Addr(), *upstream, *out)
	if *publicURL != "" {
		fmt.Fprintf(stderr, "mcpvcr record: clients reach it as %s (--public-url)\n", *publicURL)
	}
	hs := &http.Server{Handler: rec, ReadHeaderTimeout: 10 * time.Second}
	if err := serveUntilSignal(hs, ln); err != nil {
		return err
	}
	// A client that has just finished may still be hanging up: give its
	// requests a moment to end as the client ended them. Streams still
	// open after that (a listen stream) end as recorder_closed.
	drained, cancelDrain := context.WithTimeout(context.Background(), *drain)
	rec.WaitIdle(drained)
	cancelDrain()
	saveErr := rec.Close()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(shutdown)
	c := rec.Cassette()
	if len(c.Interactions) == 0 {
		return fmt.Errorf("no request reached the recorder: nothing written to %s (point the client at the --listen address)", *out)
	}
	if err := c.Save(*out); err != nil {
		if saveErr != nil {
			err = fmt.Errorf("%w (and while recording: %v)", err, saveErr)
		}
		return err
	}
	fmt.Fprintf(stdout, "wrote %d interactions (client %s, server %s) with %d placeholders to %s\n",
		len(c.Interactions), c.Provenance.Client, c.Provenance.Server, len(c.Provenance.Placeholders), *out)
	fmt.Fprintf(stdout, "redacted: %s\n", harness.RedactionSummary(c.Provenance.Placeholders))
	return nil
}

// checkWritable reports whether path can be written: its folder exists
// and takes a new file, and path itself is not a folder. It leaves no file
// behind.
func checkWritable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("--out %s: is a directory", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".mcpvcr-record-check-*")
	if err != nil {
		return fmt.Errorf("--out %s: cannot write there: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// serveUntilSignal serves hs on ln until Ctrl-C or SIGTERM (nil), or until
// serving fails (its error). The caller shuts hs down.
func serveUntilSignal(hs *http.Server, ln net.Listener) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		return nil
	}
}
