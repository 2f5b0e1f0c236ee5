package report

import (
	"fmt"

	"github.com/mcpvcr/mcpvcr/harness"
	"github.com/mcpvcr/mcpvcr/harness/matrix"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
)

// FromCell builds the session of one matrix cell (a fixture replayed
// through a profile against a fresh server); c is the cell's cassette. A
// cell that could not run has no session: FromCell returns nil. scale is
// the matrix's time scale (matrix.Options.TimeScale).
func FromCell(cell matrix.Cell, c *harness.Cassette, scale timescale.Scale) *Session {
	if cell.Report == nil || c == nil {
		return nil
	}
	s := FromReplay(c, cell.Report, &FromReplayOptions{
		Title:     fmt.Sprintf("%s through %s", cell.Fixture, cell.Profile),
		Profile:   string(cell.Profile),
		Toxics:    cell.Toxics,
		Markers:   cell.ServerMarkers,
		TimeScale: scale,
	})
	// The cell's outcome first, in the matrix's words (markers and the
	// field failure added), then each finding the client saw.
	cellFinding := Finding{Name: "outcome: " + string(cell.Outcome), Severity: outcomeSeverity(cell.Outcome), Diagnosis: cell.Diagnosis, Exchange: -1}
	fs := []Finding{cellFinding}
	for _, f := range s.Findings {
		if f.Severity != Fine {
			fs = append(fs, f)
		}
	}
	s.Findings = fs
	return s
}

// outcomeSeverity: every outcome but ok breaks the session.
func outcomeSeverity(o matrix.Outcome) Severity {
	if o == matrix.OK {
		return Fine
	}
	return Breaks
}

// FromCells builds a check page from matrix cells. cassettes maps a
// fixture name (matrix.FixtureName) to its cassette; exp, when not nil,
// adds the written-down outcome to each cell's diagnosis; scale is the
// matrix's time scale.
func FromCells(title string, cells []matrix.Cell, cassettes map[string]*harness.Cassette, exp matrix.Expectations, scale timescale.Scale) *Check {
	ch := &Check{Title: title}
	seenRow, seenCol := map[string]bool{}, map[toxics.Profile]bool{}
	for _, cell := range cells {
		if !seenRow[cell.Fixture] {
			seenRow[cell.Fixture] = true
			ch.Rows = append(ch.Rows, cell.Fixture)
		}
		if !seenCol[cell.Profile] {
			seenCol[cell.Profile] = true
			ch.Columns = append(ch.Columns, string(cell.Profile))
		}
		cc := CheckCell{Row: cell.Fixture, Column: string(cell.Profile), Outcome: string(cell.Outcome),
			Severity: outcomeSeverity(cell.Outcome), Diagnosis: cell.Diagnosis}
		if cell.Err != "" {
			cc.Outcome, cc.Severity, cc.Diagnosis = "error", Breaks, "could not run: "+cell.Err
		} else {
			cc.Session = FromCell(cell, cassettes[cell.Fixture], scale)
		}
		if want, ok := exp.For(cell.Fixture, cell.Profile); ok && exp != nil {
			if want.Allows(cell.Outcome) && cell.Err == "" {
				cc.Diagnosis += " (as written down)"
			} else {
				cc.Outcome += " ≠ " + want.String()
				cc.Diagnosis += fmt.Sprintf(" (written down: %s)", want)
			}
		}
		ch.Cells = append(ch.Cells, cc)
	}
	ch.Summary = []string{fmt.Sprintf("%d fixture(s) × %d profile(s); each cell is one replay against a fresh server", len(ch.Rows), len(ch.Columns))}
	return ch
}
