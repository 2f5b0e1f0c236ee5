package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/harness/matrix"
)

// TestCheckServeMatchesDemo runs what make run shows, `check --serve`
// (one server of ours, judged from the client's side like any other),
// beside `demo` (a fresh server per cell, its markers read) over every
// bundled fixture: the same cells with the same outcomes, handshakes,
// events and breaking findings, and the same table rows once durations
// and ping counts are masked. Cells fixtures/expectations.txt calls racy
// (flaky-mobile's random resets, deadlines racing a stream's end) are
// compared only as written down: both commands exit 0 only when every
// cell is.
func TestCheckServeMatchesDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole matrix twice: about 15 s")
	}
	exp, err := matrix.LoadExpectations(filepath.Join("..", "..", "fixtures", matrix.ExpectationsFile))
	if err != nil {
		t.Fatal(err)
	}
	runCells := func(args ...string) ([]matrix.Cell, string) {
		t.Helper()
		jsonOut := filepath.Join(t.TempDir(), "cells.json")
		var out, errb bytes.Buffer
		// Four cells at a time: a loaded 2-core machine delays answers past
		// the lateness tolerance less often than with eight.
		args = append(args, "--fixtures", "../../fixtures", "--json", jsonOut, "--parallel", "4")
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("mcpvcr %s: exit %d, want 0\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
		data, err := os.ReadFile(jsonOut)
		if err != nil {
			t.Fatal(err)
		}
		var cells []matrix.Cell
		if err := json.Unmarshal(data, &cells); err != nil {
			t.Fatal(err)
		}
		return cells, out.String()
	}
	demoCells, demoTable := runCells("demo", "--check")
	checkCells, checkTable := runCells("check", "--serve")

	racy := map[string]bool{}
	verdicts := func(cells []matrix.Cell) map[string]string {
		out := map[string]string{}
		for _, c := range cells {
			if x, ok := exp.Line(c.Fixture, c.Profile); ok && x.Racy() {
				racy[c.Fixture+" "+string(c.Profile)] = true
				continue
			}
			listen := "none"
			if c.Listen != nil {
				listen = fmt.Sprintf("%d %s %d/%d", c.Listen.Status, c.Listen.End, c.Listen.Events, c.Listen.Recorded)
			}
			out[c.Fixture+" through "+string(c.Profile)] = fmt.Sprintf("%s handshake=%v listen=%s events=%d/%d breaks=%s err=%s",
				c.Outcome, c.Handshake, listen, c.EventsDelivered, c.EventsRecorded, c.BreakingFindings(), c.Err)
		}
		return out
	}
	demo, check := verdicts(demoCells), verdicts(checkCells)
	if len(demo) == 0 || len(demo) != len(check) {
		t.Fatalf("demo has %d cells, check --serve %d", len(demo), len(check))
	}
	for k, v := range demo {
		if check[k] != v {
			t.Errorf("%s:\n  demo           %s\n  check --serve  %s", k, v, check[k])
		}
	}
	if d, c := tableRows(demoTable, racy), tableRows(checkTable, racy); d != c {
		t.Errorf("table rows differ (durations masked)\ndemo:\n%s\ncheck --serve:\n%s", d, c)
	}
}

var (
	// A ping count cut short by the column's width ("2 pin…": the
	// duration before it took one more digit on a loaded machine) is
	// masked as the whole one.
	durationRE = regexp.MustCompile(`\d+(\.\d+)?ms|\d+ pings?|\d+( p[ings]*)?…`)
	spacesRE   = regexp.MustCompile(`\s+`)
)

// tableRows returns the fixture headers and profile rows of a table but
// the racy ("FIXTURE PROFILE"), durations and ping counts masked and runs
// of blanks made one (the diagnosis lines below the rows may add what a
// timing showed).
func tableRows(table string, racy map[string]bool) string {
	var out []string
	fixture := ""
	for _, l := range strings.Split(table, "\n") {
		fields := strings.Fields(l)
		switch {
		case strings.HasPrefix(l, "fixture ") && len(fields) == 2:
			fixture = fields[1]
		case strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "    ") && len(fields) > 0:
			if racy[fixture+" "+fields[0]] {
				continue
			}
		default:
			continue
		}
		out = append(out, spacesRE.ReplaceAllString(durationRE.ReplaceAllString(strings.TrimSpace(l), "N"), " "))
	}
	return strings.Join(out, "\n")
}
