package scenarios

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the command reference in docs/scenarios.md from the command map")

const (
	docsPath      = "../docs/scenarios.md"
	commandsBegin = "<!-- commands:begin (generated: go test ./scenarios -run TestDocs -update-docs) -->"
	commandsEnd   = "<!-- commands:end -->"
)

// commandReference renders the command map as the docs' reference table.
func commandReference() string {
	var b strings.Builder
	b.WriteString("| command | what it does |\n|---|---|\n")
	for _, name := range commandNames() {
		c := commands[name]
		neg := ""
		if c.negatable {
			neg = " (`!` allowed)"
		}
		b.WriteString("| `" + strings.ReplaceAll(c.usage, "|", `\|`) + "` | " + strings.ReplaceAll(c.summary, "|", `\|`) + neg + " |\n")
	}
	return b.String()
}

// TestDocs keeps docs/scenarios.md in step with the code: its command
// reference is the command map's, and its catalog names every scenario.
func TestDocs(t *testing.T) {
	raw, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, commandsBegin), strings.Index(doc, commandsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: no %q ... %q section", docsPath, commandsBegin, commandsEnd)
	}
	want := doc[:i] + commandsBegin + "\n" + commandReference() + doc[j:]
	if *updateDocs {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		doc = want
	}
	if doc != want {
		t.Errorf("%s: the command reference is not the command map's; run go test ./scenarios -run TestDocs -update-docs", docsPath)
	}
	files, _ := filepath.Glob("*.txtar")
	if len(files) == 0 {
		t.Fatal("no scenarios found")
	}
	for _, f := range files {
		if !strings.Contains(doc, "`"+strings.TrimSuffix(f, ".txtar")+"`") {
			t.Errorf("%s: the catalog does not list scenario %s", docsPath, f)
		}
	}
}

// TestCommandUsages: every usage line starts with its command's name.
func TestCommandUsages(t *testing.T) {
	for _, name := range commandNames() {
		c := commands[name]
		if first, _, _ := strings.Cut(c.usage, " "); first != name {
			t.Errorf("command %q: usage %q starts with %q", name, c.usage, first)
		}
		if c.summary == "" || c.run == nil {
			t.Errorf("command %q: no summary or no implementation", name)
		}
	}
}
