package matrix

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// ExpectationsFile is the one file, beside the fixtures, that writes down
// the expected outcome of every fixture through every profile, and the
// findings that break the session (harness.FindingName, comma-separated,
// "-" for none):
//
//	# FIXTURE               PROFILE                  OUTCOME[|OUTCOME...]  FINDINGS[|FINDINGS...]
//	gosdk_oauth_session     cloudflare-quick-tunnel  listen-held           events-held,headers-held
//	gosdk_oauth_session     flaky-mobile             ok|reset              -|stream-reset
//
// Alternatives ("ok|reset") are for profiles with a random part
// (flaky-mobile resets one connection in ten; "*" accepts any findings,
// since what a reset breaks next depends on which request it hit). A line
// without FINDINGS checks the outcome only.
const ExpectationsFile = "expectations.txt"

// Want is the set of outcomes a cell may have.
type Want []Outcome

// Allows reports whether o is one of the wanted outcomes.
func (w Want) Allows(o Outcome) bool {
	for _, x := range w {
		if x == o {
			return true
		}
	}
	return false
}

func (w Want) String() string {
	parts := make([]string, len(w))
	for i, o := range w {
		parts[i] = string(o)
	}
	return strings.Join(parts, "|")
}

// Expectation is one line of the expectations file.
type Expectation struct {
	Outcomes Want
	// Findings are the allowed sets of breaking findings, each as
	// Cell.BreakingFindings writes it; empty means not checked.
	Findings []string
}

// Allows reports whether a cell is as written down.
func (x Expectation) Allows(c Cell) bool {
	if !x.Outcomes.Allows(c.Outcome) {
		return false
	}
	if len(x.Findings) == 0 {
		return true
	}
	got := c.BreakingFindings()
	for _, f := range x.Findings {
		if f == got || f == "*" {
			return true
		}
	}
	return false
}

// Racy reports whether the line accepts more than one outcome: a random
// profile (flaky-mobile) or a race the machine's load decides (a deadline
// against a stream's end), whose cell two runs need not agree on.
func (x Expectation) Racy() bool { return len(x.Outcomes) > 1 }

func (x Expectation) String() string {
	if len(x.Findings) == 0 {
		return x.Outcomes.String()
	}
	return x.Outcomes.String() + " " + strings.Join(x.Findings, "|")
}

// Expectations maps fixture, then profile, to what is written down.
type Expectations map[string]map[toxics.Profile]Expectation

// For returns the wanted outcomes of a cell.
func (e Expectations) For(fixture string, p toxics.Profile) (Want, bool) {
	x, ok := e.Line(fixture, p)
	return x.Outcomes, ok
}

// Line returns the whole expectation of a cell. A real column
// (RealColumn) that has no line of its own is held to its simulation's:
// the real proxy must do what the profile is written down to do.
func (e Expectations) Line(fixture string, p toxics.Profile) (Expectation, bool) {
	x, ok := e[fixture][p]
	if base, real := strings.CutSuffix(string(p), realSuffix); !ok && real {
		x, ok = e[fixture][toxics.Profile(base)]
	}
	return x, ok
}

// LoadExpectations reads an expectations file; a missing file gives an
// error wrapping os.ErrNotExist.
func LoadExpectations(path string) (Expectations, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("expectations: %w", err)
	}
	defer f.Close()
	e, err := ParseExpectations(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

// ParseExpectations reads the format of ExpectationsFile. Unknown outcomes
// and profiles, and duplicate lines, are errors that name the line.
func ParseExpectations(r io.Reader) (Expectations, error) {
	known := map[Outcome]bool{}
	for _, o := range Outcomes {
		known[o] = true
	}
	e := Expectations{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 && len(f) != 4 {
			return nil, fmt.Errorf("line %d: want FIXTURE PROFILE OUTCOME [FINDINGS], got %q", n, strings.TrimSpace(line))
		}
		p := toxics.Profile(f[1])
		if _, err := p.Toxics(); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		var want Want
		for _, o := range strings.Split(f[2], "|") {
			if !known[Outcome(o)] {
				return nil, fmt.Errorf("line %d: unknown outcome %q (known: %s)", n, o, Want(Outcomes))
			}
			want = append(want, Outcome(o))
		}
		x := Expectation{Outcomes: want}
		if len(f) == 4 {
			for _, alt := range strings.Split(f[3], "|") {
				set, err := findingSet(alt)
				if err != nil {
					return nil, fmt.Errorf("line %d: %w", n, err)
				}
				x.Findings = append(x.Findings, set)
			}
		}
		if e[f[0]] == nil {
			e[f[0]] = map[toxics.Profile]Expectation{}
		}
		if _, dup := e[f[0]][p]; dup {
			return nil, fmt.Errorf("line %d: %s through %s written down twice", n, f[0], p)
		}
		e[f[0]][p] = x
	}
	return e, sc.Err()
}

// findingSet checks a comma-separated list of finding names ("-" for
// none, "*" for any: a reset's consequences depend on which request it
// hit) and returns it sorted, as Cell.BreakingFindings writes it.
func findingSet(s string) (string, error) {
	if s == "-" || s == "*" {
		return s, nil
	}
	var names []string
	for _, n := range strings.Split(s, ",") {
		if _, err := harness.ParseFindingName(n); err != nil {
			return "", err
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ","), nil
}

// BreakingFindings names the kinds of finding that break the cell's
// session, sorted and comma-separated, "-" for none: the FINDINGS column
// of the expectations file.
func (c Cell) BreakingFindings() string {
	seen := map[string]bool{}
	var names []string
	for _, f := range c.Findings {
		if f.Breaks() && !seen[string(f.Name)] {
			seen[string(f.Name)] = true
			names = append(names, string(f.Name))
		}
	}
	if len(names) == 0 {
		return "-"
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// ErrUnexpected is returned by Check when a cell's outcome is not the one
// written down, or none is.
var ErrUnexpected = errors.New("outcomes differ from what is written down")

// Check compares every cell with e. The error lists each difference, and
// for cells with nothing written down, the lines to add (with the outcome
// this run observed: review it before committing) and where.
func Check(cells []Cell, e Expectations, path string) error {
	var differ, missing []string
	for _, c := range cells {
		want, ok := e.Line(c.Fixture, c.Profile)
		got := string(c.Outcome) + " " + c.BreakingFindings()
		if c.Err != "" {
			got = "error: " + c.Err
		}
		switch {
		case !ok:
			missing = append(missing, fmt.Sprintf("%-40s %-24s %-16s %s", c.Fixture, c.Profile, c.Outcome, c.BreakingFindings()))
		case c.Err != "" || !want.Allows(c):
			differ = append(differ, fmt.Sprintf("  %s through %s: got %s, want %s\n      diagnosis: %s", c.Fixture, c.Profile, got, want, c.Diagnosis))
		}
	}
	if len(differ) == 0 && len(missing) == 0 {
		return nil
	}
	var b strings.Builder
	if len(differ) > 0 {
		fmt.Fprintf(&b, "%d cell(s) differ from %s:\n%s\n", len(differ), path, strings.Join(differ, "\n"))
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		fmt.Fprintf(&b, "%d cell(s) have no expected outcome in %s (a new fixture?). This run observed the lines below; check each against `mcpvcr demo --fixture NAME` (the diagnosis column), then add them to %s:\n%s\n",
			len(missing), filepath.Base(path), path, strings.Join(missing, "\n"))
	}
	return fmt.Errorf("%w\n%s", ErrUnexpected, b.String())
}
