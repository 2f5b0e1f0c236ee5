package scenarios

import (
	"fmt"
	"strings"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	register(command{
		usage: "findings NAME...",
		summary: "the last replay found each NAME (docs/findings.md), and prints each finding's diagnosis; " +
			"! findings NAME...: it found none of them",
		negatable: true,
		run:       cmdFindings,
	})
}

func cmdFindings(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("findings")
	if err := parse(fs, args, 1, 99); err != nil {
		return err
	}
	w.mu.Lock()
	rep := w.report
	w.mu.Unlock()
	if rep == nil {
		return fmt.Errorf("findings: no replay yet")
	}
	var all []string
	for _, f := range rep.Findings() {
		all = append(all, fmt.Sprintf("%s: %s", f.Name, f.Diagnosis))
		ts.Logf("finding %s: %s", f.Name, f.Diagnosis)
	}
	for _, arg := range fs.Args() {
		name, err := harness.ParseFindingName(arg)
		if err != nil {
			return err
		}
		if rep.Has(name) == neg {
			want := "want it"
			if neg {
				want = "want none"
			}
			return fmt.Errorf("findings: %s found = %v, %s; the replay found:\n  %s", name, !neg, want, strings.Join(all, "\n  "))
		}
	}
	return nil
}
