// Package moduleroot finds the repository's root (the folder of go.mod)
// from wherever a test or a command runs, so helpers can reach .cache/
// and the pinned installs under it.
package moduleroot

import (
	"errors"
	"os"
	"path/filepath"
)

// Find returns the directory of the go.mod at or above the working
// directory.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
