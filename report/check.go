package report

import (
	"io"
)

// Check is a matrix of sessions, fixtures by profiles, as `mcpvcr check`
// and `mcpvcr demo` run them. Its page starts with the matrix, each cell
// linking to its session further down the same file.
type Check struct {
	Title   string
	Summary []string
	// Rows (fixtures) and Columns (profiles) in the order shown.
	Rows    []string
	Columns []string
	Cells   []CheckCell
}

// CheckCell is one fixture through one profile.
type CheckCell struct {
	Row, Column string
	// Outcome is the cell's word ("ok", "listen-held"); Severity colours it.
	Outcome   string
	Severity  Severity
	Diagnosis string
	// Session is the replay behind the cell; nil when it could not run
	// (Diagnosis says why).
	Session *Session
}

type matrixView struct {
	Columns []string
	Rows    []matrixRow
}

type matrixRow struct {
	Name  string
	Cells []cellView
}

type cellView struct {
	Outcome, Diagnosis string
	Severity           Severity
	Href               string // "" when there is no session
}

// WriteCheckHTML writes the matrix and every cell's session as one
// self-contained page.
func WriteCheckHTML(w io.Writer, c *Check, opts *Options) error {
	data := pageData{Title: c.Title, Summary: c.Summary, Matrix: &matrixView{Columns: c.Columns}}
	at := map[[2]string]CheckCell{}
	for _, cell := range c.Cells {
		at[[2]string{cell.Row, cell.Column}] = cell
	}
	for _, r := range c.Rows {
		row := matrixRow{Name: r}
		for _, col := range c.Columns {
			cell, ok := at[[2]string{r, col}]
			if !ok {
				row.Cells = append(row.Cells, cellView{Outcome: "-", Severity: Cosmetic, Diagnosis: "not run"})
				continue
			}
			cv := cellView{Outcome: cell.Outcome, Severity: cell.Severity, Diagnosis: cell.Diagnosis}
			if cell.Session != nil {
				cv.Href = "#" + anchorFor(r, col)
				data.Sessions = append(data.Sessions, view(cell.Session, anchorFor(r, col), opts.lateAfter()))
			}
			row.Cells = append(row.Cells, cv)
		}
		data.Matrix.Rows = append(data.Matrix.Rows, row)
	}
	return page.Execute(w, data)
}
