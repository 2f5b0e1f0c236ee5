package apidoc

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docs/api.md is what Write prints now: an exported name added, renamed or
// removed without regenerating the page fails here.
func TestAPIDocIsCurrent(t *testing.T) {
	root := filepath.Join("..", "..")
	var b bytes.Buffer
	if err := Write(&b, root); err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(filepath.Join(root, "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Errorf("docs/api.md is out of date: run `go run ./internal/cmd/apidoc > docs/api.md` (first difference near %q)", firstDifference(string(have), b.String()))
	}
	for _, pkg := range []string{"## harness\n", "## mcpvcrtest\n", "## toxics\n", "## server\n"} {
		if !strings.Contains(b.String(), pkg) {
			t.Errorf("the page lacks %q", pkg)
		}
	}
	if strings.Contains(b.String(), "## internal") {
		t.Error("the page lists an internal package")
	}
}

func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return bl[i]
		}
	}
	if len(bl) > len(al) {
		return bl[len(al)]
	}
	return "(the end)"
}
