package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRejectsBadOAuthFlags: a bad --clients file, a bad static client
// or an issuer with a path end with a message the user can act on, before
// anything listens.
func TestServeRejectsBadOAuthFlags(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "not.json")
	os.WriteFile(notJSON, []byte("client_id: ci"), 0o600)
	badClient := filepath.Join(dir, "bad.json")
	os.WriteFile(badClient, []byte(`[{"client_id":"ci","redirect_uris":["http://evil.example/cb"]}]`), 0o600)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--clients", filepath.Join(dir, "missing.json")}, "--clients: read clients"},
		{[]string{"--clients", notJSON}, "--clients: clients file"},
		{[]string{"--addr", "127.0.0.1:0", "--clients", badClient}, `static client "ci"`},
		{[]string{"--addr", "127.0.0.1:0", "--issuer", "https://mcp.example.test/base"}, "without a path"},
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
