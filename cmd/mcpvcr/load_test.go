package main

import (
	"io"
	"strings"
	"testing"
)

// The command end to end, small: an in-process server, a latency tunnel,
// a few sessions. `make load` runs it with 500.
func TestLoadCommand(t *testing.T) {
	var out, errOut strings.Builder
	code := run([]string{"load", "--sessions", "5", "--calls", "10", "--latency", "1ms", "--jitter", "1ms", "--timeout", "1m", "--redis", ""}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"5 sessions x 10 calls",
		"toxic latency            downstream jitter=1 latency=1",
		"toxic latency            upstream   jitter=1 latency=1",
		"sessions 5, completed 5, errors 0",
		"sent 30, received 30, lost 0, duplicated 0",
		"tools/call echo",
		"peak RSS",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output misses %q:\n%s", want, out.String())
		}
	}
}

func TestLoadBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"load", "--sessions", "0"}, 2, "must be > 0"},
		{[]string{"load", "--events", "101"}, 2, "--events 1 to 100"},
		{[]string{"load", "--profile", "nope"}, 2, `unknown profile "nope"`},
		{[]string{"load", "--toxic", "latency:oops"}, 2, "is not key=value"},
		{[]string{"load", "--bogus"}, 2, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var errOut strings.Builder
			if code := run(tt.args, io.Discard, &errOut); code != tt.code || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut.String(), tt.code, tt.want)
			}
		})
	}
}
