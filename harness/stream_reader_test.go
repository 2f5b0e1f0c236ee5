package harness

import (
	"errors"
	"testing"
	"time"
)

func TestStreamReader(t *testing.T) {
	for _, tc := range []struct {
		name        string
		contentType string
		chunks      []string
		events      int
	}{
		{"event split over chunks", "text/event-stream; charset=utf-8", []string{": open\n\nid: 1\nda", "ta: one\n\n", "data: two\n\n"}, 3},
		{"JSON body has no events", "application/json", []string{`{"jsonrpc":`, `"2.0"}`}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewStreamReader(Timeline{Interaction: 2, Method: "GET", URL: "/mcp"})
			r.Headers(200, tc.contentType, time.Millisecond)
			var bytes int64
			for i, c := range tc.chunks {
				r.Chunk([]byte(c), time.Duration(i+2)*time.Millisecond)
				bytes += int64(len(c))
			}
			r.End(EndReset, errors.New("cut"), 9*time.Millisecond)
			tl := r.Timeline()
			if len(tl.Events) != tc.events || tl.Bytes != bytes {
				t.Fatalf("events = %d, bytes = %d; want %d, %d", len(tl.Events), tl.Bytes, tc.events, bytes)
			}
			if !tl.SeenFirstByte || tl.FirstByte != 2*time.Millisecond || tl.Headers != time.Millisecond {
				t.Errorf("first byte %v at %v, headers at %v; want 2ms and 1ms", tl.SeenFirstByte, tl.FirstByte, tl.Headers)
			}
			if tl.Reason != EndReset || tl.Err != "cut" || tl.Closed != 9*time.Millisecond {
				t.Errorf("end = %s %q at %v, want reset \"cut\" at 9ms", tl.Reason, tl.Err, tl.Closed)
			}
			if tc.events == 3 && (tl.Events[1].ID != "1" || tl.Events[1].At != 3*time.Millisecond || !tl.Events[0].Comment) {
				t.Errorf("events = %+v, want a comment, then id 1 completed at 3ms", tl.Events)
			}
		})
	}
}
