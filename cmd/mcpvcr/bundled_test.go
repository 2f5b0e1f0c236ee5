package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mcpvcr/mcpvcr/harness/matrix"
)

// TestBundledFixtures: the binary carries every fixture of the repository
// (the same files, byte for byte), and check runs on them from a folder
// that has none.
func TestBundledFixtures(t *testing.T) {
	for _, sub := range []string{".", "thirdparty"} {
		dir, cleanup, err := bundledFixtures(sub)
		if err != nil {
			t.Fatal(err)
		}
		defer cleanup()
		want, _ := filepath.Glob(filepath.Join("..", "..", "fixtures", sub, "*.yaml"))
		got, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if len(want) == 0 || len(got) != len(want) {
			t.Fatalf("%s: bundled %d fixtures, the repository has %d", sub, len(got), len(want))
		}
		for _, w := range append(want, filepath.Join("..", "..", "fixtures", matrix.ExpectationsFile)) {
			if filepath.Base(filepath.Dir(w)) == "thirdparty" || sub == "." {
				a, _ := os.ReadFile(w)
				b, err := os.ReadFile(filepath.Join(dir, filepath.Base(w)))
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("%s: bundled %s differs from the repository's (%v)", sub, filepath.Base(w), err)
				}
			}
		}
	}

	repo, _ := filepath.Glob(filepath.Join("..", "..", "fixtures", "*.yaml"))
	jsonOut := filepath.Join(t.TempDir(), "cells.json")
	t.Chdir(t.TempDir())
	out, errOut, code := runCapture([]string{"check", "--serve", "--profile", "clean", "--json", jsonOut})
	if code != exitOK {
		t.Fatalf("check --serve from an empty folder: exit %d, want 0\n%s%s", code, out, errOut)
	}
	var cells []matrix.Cell
	data, _ := os.ReadFile(jsonOut)
	if err := json.Unmarshal(data, &cells); err != nil {
		t.Fatal(err)
	}
	if len(cells) != len(repo) {
		t.Errorf("check --serve from an empty folder: %d cells, want one per fixture of the repository (%d)", len(cells), len(repo))
	}
}
