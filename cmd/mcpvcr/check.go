package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/harness/matrix"
	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/toxics"
)

func init() {
	register(command{name: "check", summary: "replay sessions against YOUR server through every tunnel profile and say what each tunnel breaks", run: runCheck})
}

const checkHelp = `Replays recorded MCP sessions against your running server, through every
tunnel profile (Cloudflare quick and named tunnels, cloudflared over QUIC,
nginx, ALB, haproxy, apache, caddy, a flaky mobile link), and prints one
row per profile with the findings (docs/findings.md) and a diagnosis.
Verdicts come from what the client saw only, so any server in any language
works; the tunnel's timeouts run at --timescale (0.01: Cloudflare's 100 s
idle cut takes 1 s).

The sessions are the third-party recordings built into mcpvcr
(fixtures/thirdparty, so check works from any directory: a listen stream
with a server notification, tool calls with progress) or
your own (--fixture FILE, e.g. a recording of Claude made with mcpvcr
record). Each is first replayed through the clean profile: what differs
there is your server, not a tunnel, and is shown once as the baseline
instead of in every row.

Authentication (docs/check.md): none, --bearer TOKEN, or --header 'K: V'
(repeatable). Without them, a server that answers 401 is asked for its
OAuth authorization server: one that approves without a person (as mcpvcr
serve --auto-approve does) lets a recording's own OAuth flow replay as
recorded; one that needs a person gets a one-time login: check prints the
authorization URL (on a terminal it offers to open it), catches the code on
a loopback callback and runs every replay on tokens from that grant. The
grant is cached in your cache directory (mcpvcr/tokens, mode 0600, per
issuer) and refreshed with its refresh token on later runs; --login asks
again. With a token, the recorded flow with the authorization server is
left out and the token replaces the recorded one.

--serve checks our own server instead: it starts mcpvcr serve --auto-approve
in-process (on in-process Redis, at --timescale) and checks it with the
sessions recorded from it (fixtures/), their outcomes written down in
fixtures/expectations.txt. That is what make run shows: the same cells,
outcomes and findings as mcpvcr demo, which gives each cell a fresh server.

Exit status: 0 when no tunnel breaks the session (or, with --expect, every
named profile has the named outcome; with --serve, every cell is as written
down in expectations.txt), 1 when one does, 2 for bad usage.

Examples:
  mcpvcr check http://127.0.0.1:8080/mcp
  mcpvcr check https://mcp.example.test/mcp --bearer "$TOKEN" --profile cloudflare-quick-tunnel,aws-alb
  mcpvcr check http://127.0.0.1:8080/mcp --fixture my_claude_session.yaml --expect cloudflare-named-tunnel=ok --json check.json
  mcpvcr check --serve        (what make run shows)

`

// checkFailed makes the process exit 1: a tunnel breaks the session, or
// an --expect did not hold.
type checkFailed struct{ msg string }

func (e checkFailed) Error() string { return e.msg }
func (e checkFailed) ExitCode() int { return exitFindings }

func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", "check URL | --serve [--fixture FILE,...] [--profile P,...] [--bearer TOKEN | --header 'K: V'] [--expect PROFILE=OUTCOME] [--json FILE]", stderr)
	usage := fs.Usage
	fs.Usage = func() { fmt.Fprint(stderr, checkHelp); usage() }
	dir := fs.String("fixtures", "", "directory of the sessions to replay (*.yaml), when --fixture is not given (default: those built into mcpvcr: fixtures/thirdparty, with --serve fixtures/ and its expectations.txt)")
	var fixtures, headers, expects, allow stringList
	fs.Var(&fixtures, "fixture", "replay this recorded session (a cassette file; comma-separated or repeated)")
	columns := addProfileFlags(fs)
	bearer := fs.String("bearer", "", "send Authorization: Bearer TOKEN on every MCP request")
	fs.Var(&headers, "header", "send this header ('K: V') on every MCP request (repeatable)")
	fs.Var(&expects, "expect", "PROFILE=OUTCOME (e.g. cloudflare-named-tunnel=ok): exit 1 unless that profile has that outcome for every session (repeatable; for CI)")
	fs.Var(&allow, "allow", "accept this finding (docs/findings.md) without failing (repeatable)")
	jsonOut := fs.String("json", "", "also write every cell (outcome, findings, timelines) as JSON to this file")
	scale := addTimescaleFlag(fs, matrix.DefaultTimeScale, "world time scale: every tunnel timeout, replayer wait and recorded gap")
	pace := addPaceFlag(fs, "multiply the recorded offsets by this factor on top of --timescale")
	parallel := fs.Int("parallel", matrix.DefaultParallel, "cells replayed at once")
	reports := addReportFlags(fs)
	wide := fs.Bool("wide", false, "print every column (server markers, the whole diagnosis) on one line per row, however wide")
	forceLogin := fs.Bool("login", false, "log in again (a new grant through the browser), whatever the token cache holds")
	serve := fs.Bool("serve", false, "check our own server, started in-process, with the sessions recorded from it (fixtures/) and their expectations.txt (make run)")
	target, err := parseWithOperand(fs, args, "URL")
	if err != nil {
		return err
	}
	if *serve && target != "" {
		return fmt.Errorf("--serve starts the server to check: give no URL (%s)", target)
	}
	if target == "" && !*serve {
		return missingFlag(fs, stderr, "the server's URL (e.g. http://127.0.0.1:8080/mcp), or --serve")
	}
	if *serve {
		// Our server as a user runs it (mcpvcr serve --auto-approve), its
		// keepalive on the world clock, its markers unread: check judges
		// from the client's side, as against any server.
		lb, err := server.StartLoopback(server.Config{AutoApprove: true, TimeScale: *scale})
		if err != nil {
			return fmt.Errorf("--serve: %w", err)
		}
		defer lb.Close()
		target = lb.URL + "/mcp"
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("URL %q: want http://host:port/path", target)
	}
	if err := reports.checkWritable(); err != nil {
		return err
	}
	for _, f := range splitList(fixtures) {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("--fixture: %w", err)
		}
	}
	set := http.Header{}
	if *bearer != "" {
		set.Set("Authorization", "Bearer "+*bearer)
	}
	for _, h := range headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return fmt.Errorf("--header %q: want 'Name: value'", h)
		}
		set.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	want := map[toxics.Profile]matrix.Outcome{}
	for _, e := range splitList(expects) {
		p, o, ok := strings.Cut(e, "=")
		if !ok {
			return fmt.Errorf("--expect %q: want PROFILE=OUTCOME", e)
		}
		if _, err := toxics.Profile(p).Toxics(); err != nil {
			return fmt.Errorf("--expect: %w", err)
		}
		if !matrix.Want(matrix.Outcomes).Allows(matrix.Outcome(o)) {
			return fmt.Errorf("--expect %s: unknown outcome %q (known: %s)", e, o, matrix.Want(matrix.Outcomes))
		}
		want[toxics.Profile(p)] = matrix.Outcome(o)
	}
	opts := matrix.Options{
		Target: u.Scheme + "://" + u.Host, TimeScale: *scale, Pace: *pace, Parallel: *parallel, Baseline: toxics.Clean,
	}
	for _, a := range allow {
		n, err := harness.ParseFindingName(a)
		if err != nil {
			return fmt.Errorf("--allow: %w", err)
		}
		opts.AllowFindings = append(opts.AllowFindings, n)
	}
	if opts.Profiles, opts.Real, err = columns.parse(); err != nil {
		return err
	}
	if len(opts.Profiles) == 0 {
		opts.Profiles = toxics.Profiles()
	}
	if !contains(opts.Profiles, toxics.Clean) {
		opts.Profiles = append([]toxics.Profile{toxics.Clean}, opts.Profiles...)
	}
	shown := *dir // the folder as messages name it
	if *dir == "" && len(fixtures) == 0 {
		sub := "thirdparty"
		if *serve {
			sub = "."
		}
		d, cleanup, err := bundledFixtures(sub)
		if err != nil {
			return err
		}
		defer cleanup()
		*dir, shown = d, builtIn(sub)
	}
	var exp matrix.Expectations
	expPath := filepath.Join(shown, matrix.ExpectationsFile)
	if shown != *dir {
		expPath = builtIn(matrix.ExpectationsFile)
	}
	if files := splitList(fixtures); len(files) > 0 {
		opts.Fixtures = files
	} else if opts.Fixtures, err = matrix.FixtureFiles(*dir); err != nil {
		return fmt.Errorf("--fixtures: %w", err)
	} else if *serve {
		if exp, err = matrix.LoadExpectations(filepath.Join(*dir, matrix.ExpectationsFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := checkTarget(ctx, target); err != nil {
		return err
	}
	var grant *loginGrant
	if len(set) == 0 && !*serve { // our own server approves without a person
		cache, err := userTokenCache()
		if err != nil {
			return err
		}
		l := &checkLogin{mcpURL: target, force: *forceLogin, cache: cache, out: stderr, offer: interactiveStdin(stderr), open: openBrowser,
			wait: defaultLoginWait, hc: &http.Client{Timeout: 10 * time.Second}}
		if grant, err = l.grant(ctx); err != nil {
			return err
		}
	}
	creds := credentials{set: set, grant: grant}
	opts.Prepare = func(c *harness.Cassette) error { return aimAt(c, u.EscapedPath(), creds.headers(c, grant.token())) }
	fmt.Fprintf(stderr, "mcpvcr check %s: %d session(s) × %d profile(s), time scale %g (100 s idle cut = %s)\n",
		target, len(opts.Fixtures), len(opts.Profiles)+len(opts.Real), *scale, scale.Scale(100*time.Second))
	cells, took, err := runMatrix(ctx, opts, len(opts.Profiles)+len(opts.Real), exp, *wide, stdout, stderr)
	if err != nil {
		return err
	}
	writeBaselines(stdout, cells)
	fmt.Fprintf(stdout, "\n%d cells in %.1fs against %s. What each finding means: docs/findings.md.\n", len(cells), took.Seconds(), target)
	if err := reports.writeCells("mcpvcr check "+target, cells, *jsonOut, opts.Fixtures, creds.redacted(u.EscapedPath()), exp, *scale, stderr); err != nil {
		return err
	}
	if exp != nil {
		if err := matrix.Check(cells, exp, expPath); err != nil {
			return checkFailed{err.Error()}
		}
		if len(want) == 0 {
			return nil
		}
	}
	return checkVerdict(cells, want)
}

// credentials are what check sends besides the recording: the user's
// headers (--bearer, --header) or a login's grant.
type credentials struct {
	set   http.Header
	grant *loginGrant
}

// headers returns the headers for c with token as the grant's, unless c's
// own OAuth flow replays (an issuer that needs no person).
func (cr credentials) headers(c *harness.Cassette, token string) http.Header {
	if cr.grant == nil || (!cr.grant.PersonNeeded && hasOAuthFlow(c)) {
		return cr.set
	}
	h := cr.set.Clone()
	h.Set("Authorization", "Bearer "+token)
	return h
}

// redacted prepares a cassette for the reports as check replayed it, with
// placeholders for the credentials: a report never holds a token.
func (cr credentials) redacted(path string) func(*harness.Cassette) error {
	return func(c *harness.Cassette) error {
		h := http.Header{}
		for k := range cr.headers(c, "") {
			h.Set(k, "__REDACTED__")
		}
		if h.Get("Authorization") != "" {
			h.Set("Authorization", "Bearer __ACCESS_TOKEN_1__")
		}
		return aimAt(c, path, h)
	}
}

// aimAt points a recorded session at the user's server: requests to the
// recorded MCP endpoint go to path, with the given headers set. An
// Authorization among them stands for the session's own OAuth: the
// recorded flow with the authorization server (oauthFlow) is left out,
// and it replaces the recorded Authorization where the recorded client
// sent one (on every MCP request when it never did: a recording of a
// server without auth).
func aimAt(c *harness.Cassette, path string, set http.Header) error {
	mcpPath := ""
	for _, in := range c.Interactions {
		switch harness.JSONRPCMethod(in.Request.Body) {
		case "initialize", "server/discover":
			if u, err := url.Parse(in.Request.URL); err == nil && mcpPath == "" {
				mcpPath = u.EscapedPath()
			}
		}
	}
	if mcpPath == "" {
		return fmt.Errorf("no initialize or server/discover request: not an MCP session")
	}
	auth := set.Get("Authorization")
	if auth != "" {
		c.Interactions = slices.DeleteFunc(c.Interactions, oauthFlow(c))
	}
	isMCP := func(in *harness.Interaction) bool {
		u, err := url.Parse(in.Request.URL)
		return err == nil && u.EscapedPath() == mcpPath
	}
	recordedAuth := slices.ContainsFunc(c.Interactions, func(in *harness.Interaction) bool {
		return isMCP(in) && in.Request.Headers.Get("Authorization") != ""
	})
	for _, in := range c.Interactions {
		if !isMCP(in) {
			continue
		}
		u, _ := url.Parse(in.Request.URL)
		if path != "" && path != "/" {
			u.Path, u.RawPath = "", ""
			var err error
			if u, err = u.Parse(path); err != nil {
				return err
			}
		}
		in.Request.URL = u.String()
		for k, vs := range set {
			if strings.EqualFold(k, "Authorization") {
				continue
			}
			in.Request.Headers[k] = vs
		}
		if auth != "" && (!recordedAuth || in.Request.Headers.Get("Authorization") != "") {
			in.Request.Headers.Set("Authorization", auth)
		}
	}
	return nil
}

// oauthFlow returns a test for c's exchanges with the authorization
// server: its metadata, and the registration, authorization and token
// endpoints that metadata names (/register, /authorize and /token when c
// has none). A token of the user's replaces them.
func oauthFlow(c *harness.Cassette) func(*harness.Interaction) bool {
	endpoints := map[string]bool{"/register": true, "/authorize": true, "/token": true}
	isMetadata := func(p string) bool {
		return strings.HasPrefix(p, "/.well-known/oauth-authorization-server") || strings.HasPrefix(p, "/.well-known/openid-configuration")
	}
	for _, in := range c.Interactions {
		if u, err := url.Parse(in.Request.URL); err != nil || !isMetadata(u.Path) {
			continue
		}
		var md map[string]any
		if json.Unmarshal([]byte(in.Response.Body), &md) != nil {
			continue
		}
		clear(endpoints)
		for _, k := range []string{"registration_endpoint", "authorization_endpoint", "token_endpoint"} {
			if s, ok := md[k].(string); ok {
				if u, err := url.Parse(s); err == nil {
					endpoints[u.Path] = true
				}
			}
		}
	}
	return func(in *harness.Interaction) bool {
		u, err := url.Parse(in.Request.URL)
		return err == nil && (isMetadata(u.Path) || endpoints[u.Path])
	}
}

// hasOAuthFlow reports whether c holds a recorded code exchange: a session
// that logs itself in when the issuer needs no person.
func hasOAuthFlow(c *harness.Cassette) bool {
	return slices.ContainsFunc(c.Interactions, func(in *harness.Interaction) bool {
		return in.Request.Method == http.MethodPost && strings.Contains(in.Request.Body, "grant_type=authorization_code")
	})
}

// writeBaselines says, once per session, what differed from the recording
// without any tunnel: the server, not a tunnel.
func writeBaselines(w io.Writer, cells []matrix.Cell) {
	for _, c := range cells {
		if c.Profile != toxics.Clean || c.Err != "" || len(c.Findings) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nbaseline %s (clean profile, no tunnel effects): your server differs from the recording here; these are left out of the other rows\n", c.Fixture)
		harness.WriteFindings(w, c.Findings)
	}
}

// checkVerdict is check's exit status: with --expect, each named profile
// must have its outcome in every session; without, no profile but the
// baseline may break the session.
func checkVerdict(cells []matrix.Cell, want map[toxics.Profile]matrix.Outcome) error {
	var bad []string
	for _, c := range cells {
		got := string(c.Outcome)
		if c.Err != "" {
			got = "error: " + c.Err
		}
		if len(want) > 0 {
			if o, ok := want[c.Profile]; ok && (c.Err != "" || c.Outcome != o) {
				bad = append(bad, fmt.Sprintf("%s through %s: %s, expected %s", c.Fixture, c.Profile, got, o))
			}
			continue
		}
		if c.Profile != toxics.Clean && (c.Err != "" || c.BreakingFindings() != "-") {
			bad = append(bad, fmt.Sprintf("%s through %s: %s (%s)", c.Fixture, c.Profile, got, c.BreakingFindings()))
		}
	}
	if len(bad) > 0 {
		return checkFailed{fmt.Sprintf("%d cell(s) break the session:\n  %s", len(bad), strings.Join(bad, "\n  "))}
	}
	return nil
}

func contains(ps []toxics.Profile, p toxics.Profile) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}
