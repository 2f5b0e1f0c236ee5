package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	register(command{
		usage:     "finding [-on STREAM] [-diagnosis TEXT] NAME",
		summary:   "the last replay reported finding NAME (docs/findings.md), on its stream STREAM (HOP.N) with -on, with TEXT in its diagnosis with -diagnosis; prints the finding and its evidence",
		negatable: true,
		run:       cmdFinding,
	})
}

// cmdFinding asserts a finding of the last replay by name: the same rule
// book (harness.Finding) that decides replay's exit status, check's table
// and the demo's outcomes. NAME must be in the catalog, so a typo cannot
// make "! finding" pass.
func cmdFinding(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("finding")
	on := fs.String("on", "", "a stream of the last replay (HOP.N: interaction N)")
	diagnosis := fs.String("diagnosis", "", "count only a finding whose diagnosis contains this")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	name, err := harness.ParseFindingName(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("finding: %w", err)
	}
	w.mu.Lock()
	rep, hop := w.report, w.reportHop
	w.mu.Unlock()
	if rep == nil {
		return fmt.Errorf("finding: no replay yet")
	}
	interaction := -1
	if *on != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(*on, hop+"."))
		if err != nil || !strings.HasPrefix(*on, hop+".") || n < 0 || n >= len(rep.Results) {
			return fmt.Errorf("finding: -on %q is not a stream of the last replay (%s.0 to %s.%d)", *on, hop, hop, len(rep.Results)-1)
		}
		interaction = n
	}
	var found []harness.Finding
	for _, f := range rep.Findings() {
		if f.Name == name && (interaction < 0 || f.Interaction == interaction) && strings.Contains(f.Diagnosis, *diagnosis) {
			found = append(found, f)
		}
	}
	where := "the last replay"
	if *on != "" {
		where = "stream " + *on
	}
	if *diagnosis != "" {
		where += fmt.Sprintf(" with %q in its diagnosis", *diagnosis)
	}
	var all strings.Builder
	harness.WriteFindings(&all, rep.Findings())
	switch {
	case len(found) == 0 && !neg:
		return fmt.Errorf("finding %s: not on %s; the replay reported %s", name, where, all.String())
	case len(found) > 0 && neg:
		return fmt.Errorf("finding %s on %s, want none; the replay reported %s", name, where, all.String())
	}
	if neg {
		ts.Logf("no %s on %s", name, where)
		return nil
	}
	var text strings.Builder
	harness.WriteFindings(&text, found)
	ts.Logf("%s on %s: %s", name, where, text.String())
	return nil
}
