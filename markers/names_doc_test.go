package markers

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestMarkersAreDocumented keeps docs/markers.md in step with names.go:
// every marker constant must appear there in backticks.
func TestMarkersAreDocumented(t *testing.T) {
	src, err := os.ReadFile("names.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/markers.md")
	if err != nil {
		t.Fatal(err)
	}
	consts := regexp.MustCompile(`Name = "([A-Z0-9 /_-]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(consts) < 30 {
		t.Fatalf("found %d marker constants in names.go, want the whole catalog (>= 30): has the declaration form changed?", len(consts))
	}
	for _, m := range consts {
		if !strings.Contains(string(doc), "`"+m[1]) {
			t.Errorf("marker %q is not documented in docs/markers.md", m[1])
		}
	}
}
