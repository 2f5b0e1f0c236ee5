package main

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/mcpvcr/mcpvcr/fixtures"
)

// builtIn names a bundled file or folder in messages:
// "fixtures/thirdparty (built in)".
func builtIn(sub string) string { return path.Join("fixtures", sub) + " (built in)" }

// bundledFixtures copies the fixtures built into the binary (fixtures.FS)
// to a temporary folder, so check and demo work from any directory, and
// returns that folder's sub (".", "thirdparty"). The caller should call
// cleanup when finished.
func bundledFixtures(sub string) (dir string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "mcpvcr-fixtures-")
	if err != nil {
		return "", nil, fmt.Errorf("bundled fixtures: %w", err)
	}
	cleanup = func() { os.RemoveAll(tmp) }
	err = fs.WalkDir(fixtures.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fixtures.FS.ReadFile(path)
		if err != nil {
			return err
		}
		out := filepath.Join(tmp, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("bundled fixtures: %w", err)
	}
	return filepath.Join(tmp, sub), cleanup, nil
}
