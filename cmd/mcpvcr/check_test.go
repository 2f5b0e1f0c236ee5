package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/internal/referenceservers"
	"github.com/mcpvcr/mcpvcr/internal/reporttest"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// TestCheckThirdPartyServer runs `mcpvcr check` against go-sdk's
// everything-server (a server nobody here wrote, logging no marker we
// know) with its own recorded session, whose listen stream carries a
// tools/list_changed notification. Through the Quick Tunnel the listen
// stream's headers and its notification are held until the stream closes
// (a held listen stream, an event burst at close, held headers); through
// nginx's default buffering the quiet, buffered listen stream is cut by
// the 60 s read timeout (an idle cut). Each is a finding from the client's
// side alone, and the exit status is 1. The clean profile finds nothing.
func TestCheckThirdPartyServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := referenceservers.Start(ctx, referenceservers.EverythingGo)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	fixture := filepath.Join("..", "..", "fixtures", "thirdparty", "gosdk_everything_server_stateful_session.yaml")
	jsonOut := filepath.Join(t.TempDir(), "check.json")
	htmlOut, harOut := filepath.Join(t.TempDir(), "check.html"), filepath.Join(t.TempDir(), "check.har")
	var out, errOut bytes.Buffer
	code := run([]string{"check", srv.URL + "/mcp", "--fixture", fixture, "--profile", "cloudflare-quick-tunnel,nginx-default", "--json", jsonOut,
		"--report", htmlOut, "--har", harOut}, &out, &errOut)
	if code != exitFindings {
		t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitFindings, out.String(), errOut.String())
	}
	var cells []struct {
		Profile  toxics.Profile    `json:"profile"`
		Outcome  string            `json:"outcome"`
		Findings []harness.Finding `json:"findings"`
	}
	data, err := os.ReadFile(jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &cells); err != nil {
		t.Fatal(err)
	}
	want := map[toxics.Profile][]harness.FindingName{
		toxics.Clean:                 nil,
		toxics.CloudflareQuickTunnel: {harness.HeadersHeld, harness.EventsHeld},
		toxics.NginxDefault:          {harness.StreamReset},
	}
	if len(cells) != len(want) {
		t.Fatalf("cells = %d, want %d (clean is always the baseline)", len(cells), len(want))
	}
	for _, c := range cells {
		got := map[harness.FindingName]bool{}
		for _, f := range c.Findings {
			if f.Severity == harness.Breaks {
				got[f.Name] = true
			}
		}
		for _, n := range want[c.Profile] {
			if !got[n] {
				t.Errorf("%s: findings %v, want %s among them\n%s", c.Profile, c.Findings, n, out.String())
			}
		}
		if len(want[c.Profile]) == 0 && len(got) > 0 {
			t.Errorf("%s: findings %v, want none that break", c.Profile, c.Findings)
		}
	}
	for _, w := range []string{"cloudflare-quick-tunnel", "listen-held", "held until the stream closed", "field failure 2"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, out.String())
		}
	}
	// The report links each cell of the matrix to its session; the HAR
	// has a page per cell.
	page, err := os.ReadFile(htmlOut)
	if err != nil {
		t.Fatal(err)
	}
	for p := range want {
		id := "s-gosdk-everything-server-stateful-session-" + string(p)
		if !bytes.Contains(page, []byte(`href="#`+id+`"`)) || !bytes.Contains(page, []byte(`id="`+id+`"`)) {
			t.Errorf("report: no link to or no section for %s", id)
		}
	}
	var har struct {
		Log struct {
			Pages []struct{ ID string } `json:"pages"`
		} `json:"log"`
	}
	data, err = os.ReadFile(harOut)
	if err != nil || json.Unmarshal(data, &har) != nil || len(har.Log.Pages) != len(want) {
		t.Errorf("HAR: %v, %d pages, want %d", err, len(har.Log.Pages), len(want))
	}
	if errs := reporttest.HARViolations(data); len(errs) > 0 {
		t.Errorf("HAR 1.2 violations:\n%s", strings.Join(errs, "\n"))
	}
	// --expect decides the exit status for CI: the profile that works.
	code = run([]string{"check", srv.URL + "/mcp", "--fixture", fixture, "--profile", "cloudflare-named-tunnel", "--expect", "cloudflare-named-tunnel=ok"}, &out, &errOut)
	if code != exitOK {
		t.Errorf("--expect cloudflare-named-tunnel=ok: exit = %d, want 0\n%s", code, out.String())
	}
}

func TestCheckBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no URL", []string{"check"}, "missing the server's URL"},
		{"bad URL", []string{"check", "ftp://x"}, "want http://host:port/path"},
		{"bad header", []string{"check", "http://127.0.0.1:1/mcp", "--header", "nocolon"}, "want 'Name: value'"},
		{"bad expect", []string{"check", "http://127.0.0.1:1/mcp", "--expect", "clean=fine"}, `unknown outcome "fine"`},
		{"unknown profile", []string{"check", "http://127.0.0.1:1/mcp", "--profile", "nosuch"}, "nosuch"},
		{"unknown finding", []string{"check", "http://127.0.0.1:1/mcp", "--allow", "held"}, `unknown finding "held"`},
		{"missing fixture", []string{"check", "http://127.0.0.1:1/mcp", "--fixture", "nosuch.yaml"}, "nosuch.yaml"},
		{"--serve and a URL", []string{"check", "http://127.0.0.1:1/mcp", "--serve"}, "--serve starts the server to check: give no URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tc.args, &out, &errOut); code != exitTrouble {
				t.Errorf("exit = %d, want %d", code, exitTrouble)
			}
			if !strings.Contains(errOut.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut.String())
			}
		})
	}
}
