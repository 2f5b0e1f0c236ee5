package matrix

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// fixturesDir is the repository's fixtures folder, with expectations.txt.
const fixturesDir = "../../fixtures"

// TestMatrixAsWrittenDown replays every fixture through every profile and
// fails when a cell's outcome is not the one fixtures/expectations.txt
// gives, or when a fixture has none (the message says what to add).
func TestMatrixAsWrittenDown(t *testing.T) {
	expPath := filepath.Join(fixturesDir, ExpectationsFile)
	exp, err := LoadExpectations(expPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cells, err := Run(ctx, Options{FixturesDir: fixturesDir})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(toxics.Profiles()); len(cells)%want != 0 || len(cells) == 0 {
		t.Fatalf("cells = %d, want a multiple of %d profiles", len(cells), want)
	}
	if err := Check(cells, exp, expPath); err != nil {
		var table strings.Builder
		WriteTable(&table, cells, exp)
		t.Fatalf("%v\nthe table:\n%s", err, table.String())
	}
	// Lines for fixtures that are gone are stale, not wrong: say so.
	present := map[string]bool{}
	for _, c := range cells {
		present[c.Fixture] = true
	}
	for f := range exp {
		if !present[f] {
			t.Logf("%s lists %s, which is not in %s (stale lines can go)", expPath, f, fixturesDir)
		}
	}
}

// TestCheck shows Check's verdicts: as written down, different, and not
// written down (with the lines to add and where).
func TestCheck(t *testing.T) {
	exp, err := ParseExpectations(strings.NewReader(`
# comment
fx  clean          ok
fx  flaky-mobile   ok|reset   # random
fx  aws-alb        listen-held   headers-held,events-held
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		cells []Cell
		want  []string // substrings of the error; none means no error
	}{
		{"as written down", []Cell{{Fixture: "fx", Profile: toxics.Clean, Outcome: OK}, {Fixture: "fx", Profile: toxics.FlakyMobile, Outcome: Reset}}, nil},
		{"differs", []Cell{{Fixture: "fx", Profile: toxics.Clean, Outcome: ListenHeld, Diagnosis: "held"}},
			[]string{"1 cell(s) differ", "fx through clean: got listen-held -, want ok", "diagnosis: held"}},
		{"findings as written down, in any order", []Cell{{Fixture: "fx", Profile: toxics.AWSALB, Outcome: ListenHeld,
			Findings: []harness.Finding{{Name: harness.EventsHeld, Severity: harness.Breaks}, {Name: harness.HeadersHeld, Severity: harness.Breaks}}}}, nil},
		{"other findings", []Cell{{Fixture: "fx", Profile: toxics.AWSALB, Outcome: ListenHeld,
			Findings: []harness.Finding{{Name: harness.NoHeaders, Severity: harness.Breaks}}}},
			[]string{"fx through aws-alb: got listen-held no-headers, want listen-held events-held,headers-held"}},
		{"could not run", []Cell{{Fixture: "fx", Profile: toxics.Clean, Err: "boom"}},
			[]string{"got error: boom, want ok"}},
		{"new fixture", []Cell{{Fixture: "newfx", Profile: toxics.AWSALB, Outcome: OK}},
			[]string{"no expected outcome in expectations.txt", "add them to fixtures/expectations.txt", "newfx", "aws-alb", "ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.cells, exp, "fixtures/expectations.txt")
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrUnexpected) {
				t.Fatalf("Check = %v, want ErrUnexpected", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestParseExpectationsErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"too few fields", "fx clean\n", "line 1: want FIXTURE PROFILE OUTCOME [FINDINGS]"},
		{"unknown finding", "fx clean ok held\n", `line 1: unknown finding "held"`},
		{"unknown profile", "fx cloudflare ok\n", `line 1: unknown profile "cloudflare"`},
		{"unknown outcome", "\nfx clean fine\n", `line 2: unknown outcome "fine"`},
		{"duplicate", "fx clean ok\nfx clean reset\n", "line 2: fx through clean written down twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseExpectations(strings.NewReader(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestRunReportsFixtureErrors shows a broken fixture becomes a cell with
// Err (shown in the table), not a failed run.
func TestRunReportsFixtureErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(bad, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cells, err := Run(context.Background(), Options{FixturesDir: dir, Profiles: []toxics.Profile{toxics.Clean}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 1 || cells[0].Err == "" || cells[0].Fixture != "broken" {
		t.Fatalf("cells = %+v, want one cell for broken with Err", cells)
	}
	var table strings.Builder
	WriteTable(&table, cells, Expectations{})
	if got := table.String(); !strings.Contains(got, "could not run") || !strings.Contains(got, "NOT WRITTEN DOWN") {
		t.Errorf("table lacks the error or the missing expectation:\n%s", got)
	}
}

func TestRunNoFixtures(t *testing.T) {
	_, err := Run(context.Background(), Options{FixturesDir: t.TempDir()})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want os.ErrNotExist", err)
	}
}

// TestMatrixSameAtTwoScales runs the whole matrix with the world at time
// scale 0.01 and at 0.1 (tunnel timeouts, server keepalive, the replayer's
// waits and tolerances, the recorded gaps: one clock) and requires the
// same outcome and the same breaking findings in every cell, except those
// fixtures/expectations.txt calls racy (more than one outcome: the random
// profile's, and deadlines racing a stream's end by tens of ms at 0.01).
func TestMatrixSameAtTwoScales(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the matrix at 0.1: about half a minute")
	}
	exp, err := LoadExpectations(filepath.Join(fixturesDir, ExpectationsFile))
	if err != nil {
		t.Fatal(err)
	}
	// The whole matrix twice, the second at 0.1: on a loaded shared
	// machine this outlasted a fixed 5 minutes (cells then ended in
	// "context deadline exceeded", not a verdict), so it may take what
	// the test binary's -timeout leaves, less a minute to report.
	limit := 5 * time.Minute
	if d, ok := t.Deadline(); ok {
		limit = max(limit, time.Until(d)-time.Minute)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	verdicts := func(scale timescale.Scale) (map[string]string, []Cell) {
		cells, err := Run(ctx, Options{FixturesDir: fixturesDir, TimeScale: scale})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, c := range cells {
			if x, ok := exp.Line(c.Fixture, c.Profile); ok && x.Racy() {
				continue
			}
			out[c.Fixture+" through "+string(c.Profile)] = fmt.Sprintf("%s %s %s", c.Outcome, c.BreakingFindings(), c.Err)
		}
		return out, cells
	}
	fine, fineCells := verdicts(0.01)
	coarse, coarseCells := verdicts(0.1)
	differ := 0
	for k, v := range fine {
		if coarse[k] != v {
			differ++
			t.Errorf("%s: at 0.01 %q, at 0.1 %q", k, v, coarse[k])
		}
	}
	if differ > 0 {
		var a, b strings.Builder
		WriteTable(&a, fineCells, nil)
		WriteTable(&b, coarseCells, nil)
		t.Logf("at 0.01:\n%s\nat 0.1:\n%s", a.String(), b.String())
	}
	if len(fine) == 0 || len(fine) != len(coarse) {
		t.Fatalf("cells: %d at 0.01, %d at 0.1", len(fine), len(coarse))
	}
}
