package harness

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadCassetteRefusesEmptyAndTruncated checks that a file that would
// replay as "0 differences" while proving nothing is refused with an
// error that says why: empty, no interactions, cut short (end line or
// interactions missing), not YAML.
func TestLoadCassetteRefusesEmptyAndTruncated(t *testing.T) {
	whole, err := os.ReadFile(sessionFixtureForCassetteTests(t))
	if err != nil {
		t.Fatal(err)
	}
	lastInteraction := strings.LastIndex(string(whole), "\n  - id: ")
	for _, tc := range []struct {
		name, text string
		want       error
		wantMsg    string
	}{
		{"empty file", "", ErrEmptyCassette, "the file is empty"},
		{"blank file", "\n  \n", ErrEmptyCassette, "the file is empty"},
		{"no interactions", "version: 2\ninteractions: []\n", ErrEmptyCassette, "no interactions"},
		{"cut at an interaction boundary", string(whole[:lastInteraction+1]), ErrTruncatedCassette, "ends before its last line"},
		{"cut in the middle of a line", string(whole[:len(whole)*2/3]), nil, "load cassette"},
		{"end line but an interaction missing", string(whole[:lastInteraction+1]) + endLine, ErrTruncatedCassette, "but it counts"},
		{"not YAML", "\x00\x01 {[", ErrNotCassette, "not a go-vcr version 2 cassette"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadCassette(path)
			if err == nil {
				t.Fatal("LoadCassette = nil error, want it refused")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want errors.Is %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q, want it to name the file and say %q", err, tc.wantMsg)
			}
		})
	}
	t.Run("the whole file loads", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(path, whole, 0o644)
		if _, err := LoadCassette(path); err != nil {
			t.Fatal(err)
		}
	})
}

// sessionFixtureForCassetteTests writes a cassette in the current format
// (with its count and end line) from the committed go-sdk fixture.
func sessionFixtureForCassetteTests(t *testing.T) string {
	t.Helper()
	c, err := LoadCassette(sessionFixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "session.yaml")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// BenchmarkCassetteSave is one rewrite of RecorderOptions.Out, as the
// recorder's background saver does it: redact, marshal and atomically
// rewrite the go-sdk session (15 interactions).
func BenchmarkCassetteSave(b *testing.B) {
	c, err := LoadCassette(sessionFixture)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "session.yaml")
	b.ReportAllocs()
	for b.Loop() {
		NewRedactor().RedactCassette(c)
		if err := c.Save(path); err != nil {
			b.Fatal(err)
		}
	}
}
