package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A failing scenario's last line names its report, and the files are there.
func TestReportLineNamesTheReport(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("MCPVCR_REPORT_DIR", dir)
	w := newWorld()
	line := w.reportLine("seed_failed_flow")
	want := filepath.Join(dir, "seed_failed_flow", "report.html")
	if !strings.HasPrefix(line, "report: "+want) {
		t.Fatalf("line = %q, want it to name %s", line, want)
	}
	for _, f := range []string{"report.html", "report.har"} {
		if _, err := os.Stat(filepath.Join(dir, "seed_failed_flow", f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	page, _ := os.ReadFile(want)
	if !strings.Contains(string(page), "scenario seed_failed_flow") || !strings.Contains(string(page), "the tunnel drops the") {
		t.Errorf("the report lacks the scenario's name or its opening comment")
	}
}
