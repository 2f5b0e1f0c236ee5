package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRecordCommandFlags(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"source must be captured or assembled", []string{"--source", "scripted"}, 2, `--source "scripted": want "captured" or "assembled: what the script followed"`},
		{"assembled needs what it followed", []string{"--source", "assembled"}, 2, `--source "assembled"`},
		{"public URL must be an origin", []string{"--public-url", "https://a.example/mcp"}, 2, `recorder public URL: "https://a.example/mcp": want an origin`},
		{"upstream origin must be an origin", []string{"--upstream-origin", "a.example"}, 2, `recorder upstream origin: "a.example": want an origin`},
		{"missing out", []string{"--out", ""}, 2, "Usage: mcpvcr record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"record", "--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--out", t.TempDir() + "/x.yaml"}, tc.args...)
			var out, errb bytes.Buffer
			code := run(args, &out, &errb)
			if code != tc.wantCode {
				t.Errorf("exit = %d, want %d\n%s%s", code, tc.wantCode, out.String(), errb.String())
			}
			if all := out.String() + errb.String(); !strings.Contains(all, tc.wantOut) {
				t.Errorf("output lacks %q:\n%s", tc.wantOut, all)
			}
		})
	}
}
