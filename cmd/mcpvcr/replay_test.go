package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/harness/harnesstest"
)

// fixture is harnesstest's session, recorded by TestMain (main_test.go):
// the stand-in server can be told to answer differently, which makes a
// replay differ in exactly one value.
var fixture string

func TestReplayCommand(t *testing.T) {
	fresh := func() string { return harnesstest.Start(t, nil).URL }
	for _, tc := range []struct {
		name     string
		args     func() []string
		wantCode int
		wantOut  string
	}{
		{"clean against a fresh server", func() []string { return []string{"replay", fixture, "--target", fresh()} }, 0, "0 differences"},
		{"flags before file, clean profile, faster", func() []string {
			return []string{"replay", "--target", fresh(), "--profile", "clean", "--timescale", "0.5", fixture}
		}, 0, "timescale 0.5"},
		{"differences exit 1", func() []string {
			return []string{"replay", fixture, "--target", harnesstest.Start(t, &harnesstest.Options{Greeting: "hey "}).URL}
		}, 1, `live "hey vcr"`},
		{"allowed differences exit 0", func() []string {
			return []string{"replay", fixture, "--target", harnesstest.Start(t, &harnesstest.Options{Greeting: "hey "}).URL, "--allow", "event[0].data.result.content"}
		}, 0, "(allowed)"},
		{"unknown profile", func() []string {
			return []string{"replay", fixture, "--target", "http://127.0.0.1:1", "--profile", "cloudflare-quick"}
		}, 2, `unknown profile "cloudflare-quick"`},
		{"through the clean tunnel profile", func() []string {
			return []string{"replay", fixture, "--target", harnesstest.Start(t, nil).URL, "--profile", "clean"}
		}, 0, "0 differences"},
		{"missing target", func() []string { return []string{"replay", fixture} }, 2, "Usage: mcpvcr replay"},
		{"missing file", func() []string { return []string{"replay", "nope.yaml", "--target", "http://127.0.0.1:1"} }, 2, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args(), &out, &errb)
			if code != tc.wantCode {
				t.Errorf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out.String(), errb.String())
			}
			if all := out.String() + errb.String(); !strings.Contains(all, tc.wantOut) {
				t.Errorf("output lacks %q:\n%s", tc.wantOut, all)
			}
		})
	}
}

func TestExpectCommandOnFile(t *testing.T) {
	path := t.TempDir() + "/server.log"
	writeFile(t, path, "2026-11-27T10:00:00.000000Z req=r1 session=- === SSE STREAM START === x\n"+
		"2026-11-27T10:00:00.010000Z req=r1 session=- === SSE EVENT 0 === y\n"+
		"2026-11-27T10:00:00.020000Z req=r1 session=- === STREAM CLOSING === done\n")
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"holds", []string{"--in-order", "SSE STREAM START > STREAM CLOSING ~ done", "--count", "SSE EVENT*=1", "--within", "SSE STREAM START > STREAM CLOSING < 200ms"}, 0, "0 of 3 checks failed"},
		{"fails with context", []string{"--in-order", "STREAM CLOSING > SSE EVENT*", "--timeout", "200ms"}, 1, "> #3"},
		{"absent fails", []string{"--absent", "SSE EVENT*", "--timeout", "100ms"}, 1, `want no "SSE EVENT*"`},
		{"bad count", []string{"--count", "X"}, 2, "want PATTERN=N"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"expect", "--follow", path}, tc.args...), &out, &errb)
			if code != tc.wantCode {
				t.Errorf("exit = %d, want %d\n%s%s", code, tc.wantCode, out.String(), errb.String())
			}
			if all := out.String() + errb.String(); !strings.Contains(all, tc.wantOut) {
				t.Errorf("output lacks %q:\n%s", tc.wantOut, all)
			}
		})
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
