package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestServeRejectsBadMCPFlags: bad --fault, --tools and --auth values end
// with a message the user can act on, before anything listens.
func TestServeRejectsBadMCPFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--fault", "bogus"}, `unknown fault (known: die-after-headers, get-400, get-405, idle-close`},
		{[]string{"--fault", "idle-close"}, "want idle-close=DURATION"},
		{[]string{"--fault", "slow-headers=soon"}, "want a positive duration"},
		{[]string{"--auth", "maybe"}, `want on or off`},
		{[]string{"--addr", "127.0.0.1:0", "--tools", "everything"}, `tool set "everything"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"serve"}, tt.args...), &stdout, &stderr)
			if code == 0 {
				t.Fatalf("exit code 0, want failure")
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}
