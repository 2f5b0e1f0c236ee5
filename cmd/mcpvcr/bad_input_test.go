package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput is what a careless user meets: every bad-input case, across
// the commands, with the message it must print and the exit status (2:
// bad usage or unreadable input; see the package comment). A case that
// is not refused, refused with another status or without a message that
// says what to fix, fails here.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	writeFile(t, empty, "")
	whole, err := os.ReadFile(gosdkFixture)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.yaml")
	writeFile(t, truncated, string(whole[:strings.LastIndex(string(whole), "\n  - id: ")+1]))
	emptyLog := filepath.Join(dir, "empty.log")
	writeFile(t, emptyLog, "a log line that is no marker\n")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	noDir := filepath.Join(dir, "no", "such", "dir", "out.yaml")
	record := []string{"record", "--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0"}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		// Any command.
		{"unknown command", []string{"replya"}, 2, `unknown command "replya"`},
		{"help for an unknown command", []string{"help", "replya"}, 2, `unknown command "replya"`},
		{"unknown flag", []string{"replay", fixture, "--target", closed, "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"bad flag value", []string{"replay", fixture, "--target", closed, "--timescale", "fast"}, 2, `invalid value "fast" for flag -timescale`},
		// replay
		{"replay without FILE", []string{"replay", "--target", closed}, 2, "missing FILE"},
		{"replay without --target", []string{"replay", fixture}, 2, "missing --target URL"},
		{"replay of a missing file", []string{"replay", filepath.Join(dir, "nope.yaml"), "--target", closed}, 2, "no such file or directory"},
		{"replay of an empty file", []string{"replay", empty, "--target", closed}, 2, "the file is empty"},
		{"replay of a truncated file", []string{"replay", truncated, "--target", closed}, 2, "ends before its last line"},
		{"replay through an unknown profile", []string{"replay", fixture, "--target", closed, "--profile", "cloudflare"}, 2, `unknown profile "cloudflare" (known: `},
		{"replay at time scale 0", []string{"replay", fixture, "--target", closed, "--timescale", "0"}, 2, `invalid value "0" for flag -timescale: time scale "0": want a number > 0`},
		{"replay at a negative time scale", []string{"replay", fixture, "--target", closed, "--timescale", "-1"}, 2, `invalid value "-1" for flag -timescale: time scale "-1": want a number > 0`},
		{"replay at pace 0", []string{"replay", fixture, "--target", closed, "--pace", "0"}, 2, `invalid value "0" for flag -pace: pace "0": want a number > 0`},
		{"replay against an unreachable target", []string{"replay", fixture, "--target", closed}, 2, "cannot connect to " + strings.TrimPrefix(closed, "http://") + " within 3s"},
		{"replay against a target that is no URL", []string{"replay", fixture, "--target", "127.0.0.1:8080"}, 2, `--target "127.0.0.1:8080": want http://host:port`},
		// record
		{"record without --upstream", []string{"record", "--out", filepath.Join(dir, "x.yaml")}, 2, "missing --upstream URL"},
		{"record without --out", record, 2, "missing --out FILE"},
		{"record into a folder that does not exist", append(record, "--out", noDir), 2, "--out " + noDir + ": cannot write there"},
		{"record onto a folder", append(record, "--out", dir), 2, "is a directory, want a file"},
		// expect
		{"expect without a check", []string{"expect", "--follow", emptyLog}, 2, "missing a check (--in-order, --absent, --count or --within)"},
		{"expect on a log file that does not exist", []string{"expect", "--follow", filepath.Join(dir, "nope.log"), "--absent", "X"}, 2, "no such file or directory"},
		{"expect with a negative timeout", []string{"expect", "--follow", emptyLog, "--absent", "X", "--timeout", "-1s"}, 2, "--timeout -1s: must be > 0"},
		{"expect on a source with no marker", []string{"expect", "--follow", emptyLog, "--absent", "X", "--timeout", "50ms"}, 2, "yielded no marker at all"},
		{"expect with a bad --count", []string{"expect", "--follow", emptyLog, "--count", "X"}, 2, "want PATTERN=N"},
		// tunnel
		{"tunnel without --upstream", []string{"tunnel"}, 2, "missing --upstream URL|HOST:PORT"},
		{"tunnel to an upstream that is neither", []string{"tunnel", "--upstream", "localhost"}, 2, "want HOST:PORT or a URL"},
		{"tunnel with an unknown toxic", []string{"tunnel", "--upstream", "127.0.0.1:1", "--toxic", "nosuch"}, 2, `unknown type "nosuch" (known: bandwidth, body_drop,`},
		{"tunnel with an unknown profile", []string{"tunnel", "--upstream", "127.0.0.1:1", "--profile", "nope"}, 2, `unknown profile "nope"`},
		{"tunnel at time scale 0", []string{"tunnel", "--upstream", "127.0.0.1:1", "--timescale", "0"}, 2, `time scale "0": want a number > 0`},
		// demo and check columns
		{"demo with a real proxy the profile does not have", []string{"demo", "--real", "aws-alb"}, 2, "--real: aws-alb: no real proxy for this profile (have: [apache-debian"},
		{"check with an unknown real profile", []string{"check", closed + "/mcp", "--real", "nope"}, 2, "--real: nope: no real proxy for this profile"},
		// serve
		{"serve with an unknown fault", []string{"serve", "--fault", "nosuch"}, 2, `unknown fault (known: `},
		{"serve at time scale 0", []string{"serve", "--timescale", "0"}, 2, `invalid value "0" for flag -timescale: time scale "0": want a number > 0`},
		{"serve on a bad address", []string{"serve", "--addr", "127.0.0.1:99999"}, 2, "invalid port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code {
				t.Errorf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errb.String())
			}
		})
	}
}

// TestExpectAllowNoMarkers: --allow-no-markers turns the empty-source error
// off, and the checks are judged as usual.
func TestExpectAllowNoMarkers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.log")
	writeFile(t, path, "no marker here\n")
	var out, errb bytes.Buffer
	code := run([]string{"expect", "--follow", path, "--absent", "X", "--timeout", "50ms", "--allow-no-markers"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "0 markers read, 0 of 1 checks failed") {
		t.Errorf("exit = %d, want 0 with the check judged\n%s%s", code, out.String(), errb.String())
	}
}

// TestHelpCommand: `mcpvcr help CMD` prints that command's flags and the
// exit statuses on stdout and exits 0; so does `CMD --help`.
func TestHelpCommand(t *testing.T) {
	for _, args := range [][]string{{"help", "replay"}, {"replay", "--help"}, {"help", "tunnel"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(args, &out, &errb)
			all := out.String() + errb.String()
			if code != 0 || !strings.Contains(all, "Usage: mcpvcr "+strings.TrimPrefix(strings.Join(args, " "), "help ")[:6]) || !strings.Contains(all, "Exit status: 0 success; 1 findings or differences; 2 bad usage") {
				t.Errorf("exit = %d, want 0 with the command's usage and the exit statuses:\n%s", code, all)
			}
			if args[0] == "help" && !strings.Contains(out.String(), "Usage:") {
				t.Errorf("help CMD printed its usage on stderr, want stdout")
			}
		})
	}
	var out bytes.Buffer
	if code := run([]string{"help"}, &out, &out); code != 0 || !strings.Contains(out.String(), "Run 'mcpvcr help <command>'") {
		t.Errorf("mcpvcr help: exit %d\n%s", code, out.String())
	}
}
