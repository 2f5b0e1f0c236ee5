package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/server/servertest"
)

// TestCheckInteractiveLogin runs check against our server with its consent
// page on (no --auto-approve), the test playing the person: it reads the
// authorization URL check prints, opens it, approves the consent form and
// follows the redirect to check's loopback callback, as a browser would.
// Every replay then runs on that grant's token (the recorded OAuth flow
// left out). The grant is cached under the user's cache directory, mode
// 0600, and never printed in full; the next run reuses it without a
// person, and one after its expiry refreshes it with the refresh token.
func TestCheckInteractiveLogin(t *testing.T) {
	cacheHome := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cacheHome)
	srv := servertest.Start(t, server.Config{})
	args := []string{"check", srv.URL + "/mcp", "--fixture", gosdkFixture, "--profile", "cloudflare-named-tunnel", "--expect", "cloudflare-named-tunnel=ok"}

	// First run: a person approves.
	urls := make(chan string, 1)
	stderr := &lineWatch{match: regexp.MustCompile(`^\s+(http://\S+/authorize\?\S+)$`), found: urls}
	var stdout strings.Builder
	done := make(chan int, 1)
	go func() { done <- run(args, &stdout, stderr) }()
	var authURL string
	select {
	case authURL = <-urls:
	case code := <-done:
		t.Fatalf("check ended (exit %d) without printing an authorization URL:\n%s%s", code, stdout.String(), stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("no authorization URL printed in 30 s:\n%s", stderr.String())
	}
	approve(t, authURL)
	if code := waitExit(t, done); code != exitOK {
		t.Fatalf("exit = %d, want 0 on the grant's token\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}

	t.Logf("first run:\n%s%s", stdout.String(), stderr.String())
	files, _ := filepath.Glob(filepath.Join(cacheHome, "mcpvcr", "tokens", "*.json"))
	if len(files) != 1 {
		t.Fatalf("token cache files = %v, want 1 under %s", files, cacheHome)
	}
	g := readGrant(t, files[0])
	if fi, _ := os.Stat(files[0]); fi.Mode().Perm() != 0o600 {
		t.Errorf("token cache mode = %v, want 0600", fi.Mode().Perm())
	}
	if g.AccessToken == "" || g.RefreshToken == "" || g.Issuer != srv.URL {
		t.Fatalf("cached grant: issuer %q, access %v, refresh %v; want %s with both tokens", g.Issuer, g.AccessToken != "", g.RefreshToken != "", srv.URL)
	}
	noSecrets(t, "first run", stdout.String()+stderr.String(), g)

	// Second run: the cached grant, no person; its HAR shows the token
	// as a placeholder.
	har := filepath.Join(t.TempDir(), "check.har")
	out, errOut, code := runCapture(append(args, "--har", har))
	if code != exitOK || !strings.Contains(errOut, "using the cached grant") || strings.Contains(errOut, "/authorize?") {
		t.Fatalf("second run: exit %d, want 0 on the cached grant without a login:\n%s%s", code, out, errOut)
	}
	harData, err := os.ReadFile(har)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(harData), "Bearer __ACCESS_TOKEN_1__") {
		t.Errorf("the HAR does not show the grant's token as its placeholder")
	}
	noSecrets(t, "second run", out+errOut+string(harData), g)

	// Third run, the access token expired: refreshed with the refresh token.
	g.ExpiresAt = time.Now().Add(-time.Minute)
	data, _ := json.Marshal(g)
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runCapture(args)
	if code != exitOK || !strings.Contains(errOut, "refreshed the cached grant") {
		t.Fatalf("third run: exit %d, want 0 after a refresh:\n%s%s", code, out, errOut)
	}
	refreshed := readGrant(t, files[0])
	if refreshed.AccessToken == g.AccessToken || !refreshed.ExpiresAt.After(time.Now()) {
		t.Errorf("after the refresh the cache holds the old access token or an expired one")
	}
	noSecrets(t, "third run", out+errOut, refreshed)
}

// TestCheckNoLoginWithoutPerson: against an issuer that approves without
// a person (serve --auto-approve) check asks nobody and caches nothing;
// the recording's own OAuth flow replays as recorded.
func TestCheckNoLoginWithoutPerson(t *testing.T) {
	cacheHome := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cacheHome)
	srv := servertest.Start(t, server.Config{AutoApprove: true})
	jsonOut := filepath.Join(t.TempDir(), "cells.json")
	out, errOut, code := runCapture([]string{"check", srv.URL + "/mcp", "--fixture", gosdkFixture, "--profile", "clean", "--json", jsonOut})
	if code != exitOK || strings.Contains(errOut, "/authorize?") {
		t.Fatalf("exit %d, want 0 without a login:\n%s%s", code, out, errOut)
	}
	var cells []struct {
		Outcome  string `json:"outcome"`
		Findings []struct {
			Severity string `json:"severity"`
		} `json:"findings"`
	}
	data, _ := os.ReadFile(jsonOut)
	if err := json.Unmarshal(data, &cells); err != nil || len(cells) != 1 || cells[0].Outcome != "ok" {
		t.Fatalf("cells %s, want one clean cell, ok (the recorded flow replayed as recorded)", data)
	}
	for _, f := range cells[0].Findings {
		if f.Severity == "breaks" {
			t.Errorf("a finding breaks the session: %s", data)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(cacheHome, "mcpvcr", "tokens", "*")); len(files) > 0 {
		t.Errorf("token cache %v, want none: nobody logged in", files)
	}
}

// approve plays the person: open the authorization URL, press Approve on
// the consent page, follow the redirect to the callback.
func approve(t *testing.T, authURL string) {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET the authorization URL = %d, want the consent page with its form:\n%s", resp.StatusCode, page)
	}
	u, _ := url.Parse(authURL)
	resp, err = hc.PostForm(u.Scheme+"://"+u.Host+u.Path, url.Values{"csrf": {string(m[1])}, "decision": {"approve"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("approving = %d (%v), want a 302 to check's callback", resp.StatusCode, err)
	}
	resp, err = hc.Get(callback.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "logged in") {
		t.Fatalf("the callback answered %d: %s", resp.StatusCode, body)
	}
}

func waitExit(t *testing.T, done <-chan int) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(2 * time.Minute):
		t.Fatal("check did not end within 2 minutes of the approval")
		return -1
	}
}

func runCapture(args []string) (stdout, stderr string, code int) {
	var out, errb strings.Builder
	code = run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func readGrant(t *testing.T, path string) *cachedGrant {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g cachedGrant
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// noSecrets fails when output holds a token of g in full.
func noSecrets(t *testing.T, what, output string, g *cachedGrant) {
	t.Helper()
	for _, s := range []string{g.AccessToken, g.RefreshToken, g.ClientSecret} {
		if s != "" && strings.Contains(output, s) {
			t.Errorf("%s: the output holds a secret of the grant in full (%s)", what, server.Short(s))
		}
	}
}

// lineWatch is a writer that keeps everything and sends the first
// submatch of match on found, once.
type lineWatch struct {
	mu    sync.Mutex
	buf   strings.Builder
	part  string
	match *regexp.Regexp
	found chan<- string
	sent  bool
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	w.part += string(p)
	for {
		line, rest, ok := strings.Cut(w.part, "\n")
		if !ok {
			break
		}
		w.part = rest
		if m := w.match.FindStringSubmatch(line); m != nil && !w.sent {
			w.sent = true
			w.found <- m[1]
		}
	}
	return len(p), nil
}

func (w *lineWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
