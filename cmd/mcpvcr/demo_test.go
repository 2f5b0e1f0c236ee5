package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpvcr/mcpvcr/harness/matrix"
)

// demoFixtures copies the first bundled fixture into a temporary folder
// with the given expectations.txt ("" = none), and returns the folder and
// the fixture's name.
func demoFixtures(t *testing.T, expectations func(name string) string) (dir, name string) {
	t.Helper()
	files, err := matrix.FixtureFiles("../../fixtures")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	dir, name = t.TempDir(), matrix.FixtureName(files[0])
	if err := os.WriteFile(filepath.Join(dir, name+".yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if exp := expectations(name); exp != "" {
		if err := os.WriteFile(filepath.Join(dir, matrix.ExpectationsFile), []byte(exp), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, name
}

func TestDemoCommand(t *testing.T) {
	anyOutcome := func(name string) string {
		return name + " clean ok|reset|handshake-failed|listen-held|cut|body-dropped\n"
	}
	none := func(string) string { return "" }
	otherFixture := func(string) string { return "other clean ok\n" }
	for _, tc := range []struct {
		name     string
		exp      func(string) string
		args     []string
		wantCode int
		want     []string
	}{
		{"help answers", none, []string{"--help"}, 0, []string{"Outcomes:", "--profile", "--fixture", "--json", "make run"}},
		{"unknown profile", none, []string{"--profile", "cloudflare"}, 2, []string{`unknown profile "cloudflare"`}},
		{"unknown fixture", none, []string{"--fixture", "nope"}, 2, []string{"--fixture nope: not in", "known: "}},
		{"stray argument", none, []string{"extra"}, 2, []string{"Usage: mcpvcr demo"}},
		{"one cell, checked", anyOutcome, []string{"--profile", "clean", "--grace", "300ms", "--check"}, 0,
			[]string{"[ 1/1]", "PROFILE", "AUTH", "LISTEN STREAM", "OUTCOME / EXPECTED", "1 cells in"}},
		{"one cell, every column", anyOutcome, []string{"--profile", "clean", "--grace", "300ms", "--wide"}, 0,
			[]string{"HANDSHAKE", "SERVER MARKERS", "DIAGNOSIS"}},
		{"no expectations: shown, not checked", none, []string{"--profile", "clean", "--grace", "300ms"}, 0,
			[]string{"outcomes are shown, not checked"}},
		{"new fixture fails --check and says what to add", otherFixture, []string{"--profile", "clean", "--grace", "300ms", "--check"}, 1,
			[]string{"NOT WRITTEN DOWN", "no expected outcome", "then add them to"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, name := demoFixtures(t, tc.exp)
			jsonPath := filepath.Join(t.TempDir(), "cells.json")
			args := append([]string{"demo", "--fixtures", dir, "--json", jsonPath}, tc.args...)
			var out, errb bytes.Buffer
			code := run(args, &out, &errb)
			all := out.String() + errb.String()
			if code != tc.wantCode {
				t.Fatalf("exit = %d, want %d\n%s", code, tc.wantCode, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			if code != 0 || strings.Contains(strings.Join(tc.args, " "), "--help") || !strings.Contains(strings.Join(tc.args, " "), "--profile clean") {
				return
			}
			data, err := os.ReadFile(jsonPath)
			if err != nil {
				t.Fatal(err)
			}
			var cells []matrix.Cell
			if err := json.Unmarshal(data, &cells); err != nil {
				t.Fatalf("--json: %v", err)
			}
			if len(cells) != 1 || cells[0].Fixture != name || cells[0].Profile != "clean" || cells[0].Outcome == "" {
				t.Errorf("--json cells = %+v, want one clean cell of %s with an outcome", cells, name)
			}
		})
	}
}
