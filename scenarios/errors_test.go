package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestScriptErrors: a mistake in a script fails the scenario with an error
// that names it and shows the command's usage, never a panic or a hang.
func TestScriptErrors(t *testing.T) {
	tests := []struct {
		name, script, want string
	}{
		{"unknown flag", "server -nope", "flag provided but not defined: -nope\nusage: server [-name NAME] [serve flags]"},
		{"bad fault", "server --fault bogus", "unknown fault (known:"},
		{"too many args", "wait-closed a b", "wait-closed: got 2 arguments (a b), want 1\nusage: wait-closed"},
		{"negation not allowed", "! server", "server does not take !\nusage: server"},
		{"unknown profile", "server\ntunnel -profile nope", "unknown profile \"nope\""},
		{"unknown stream", "server\nstream L open", "no stream \"L\""},
		{"unknown hop", "server\npost -via x initialize", "no server or tunnel \"x\""},
		{"nothing started", "post initialize", "nothing to talk to: start a `server` first"},
		{"timescale late", "server\ntimescale 0.1", "give it before the first server or tunnel"},
		{"bad duration", "server\nlisten -name L\nstream L lived<soon", "duration \"soon\": want Go syntax"},
		{"unknown condition", "server\nlisten -name L\nstream L fast", "unknown condition \"fast\""},
		{"unknown markers check", "markers sometimes X", "markers \"sometimes\": want in-order, absent, count or within"},
		{"redis verb", "server\nredis flush", "redis \"flush\": want stop, start or fast-forward D"},
		{"bad params", "server\ntoken\npost tools/call '{nope'", "PARAMS_JSON"},
		{"unknown command", "frobnicate", "unknown command \"frobnicate\""},
		{"unknown script condition", "[fast] server", "unknown condition \"fast\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "bad.txtar")
			if err := os.WriteFile(path, []byte(tt.script+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			ft := &fakeT{}
			testscript.RunT(ft, testscript.Params{Files: []string{path}, Setup: setupWorld, Cmds: scriptCommands(), Condition: condition})
			if !ft.failed {
				t.Fatalf("script %q passed, want it to fail with %q", tt.script, tt.want)
			}
			if !strings.Contains(ft.log.String(), tt.want) {
				t.Errorf("script %q failed with:\n%s\nwant an error containing %q", tt.script, ft.log.String(), tt.want)
			}
		})
	}
}
