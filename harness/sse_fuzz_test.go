package harness

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// FuzzSSEParser checks the SSE parser's two promises on arbitrary bytes:
// the chunking of the input does not change the events (a tunnel may cut a
// stream anywhere), and the events, written back in canonical form and
// parsed again, are the same events (what the recorder keeps is what the
// replayer serves).
func FuzzSSEParser(f *testing.F) {
	f.Add([]byte(": ping\r\nid: s1_0\r\nevent: message\r\ndata: {\"a\":1}\r\ndata: line2\r\n\r\nretry: 10\ndata: x\n\n"), []byte{1, 2, 3})
	f.Add([]byte("id\n\nevent:\n\ndata\r\rdata:  two spaces\r\n\r\n:\n"), []byte{0, 7})
	f.Add([]byte("data: a\r"), []byte{5})
	f.Add([]byte("data: split CRLF\r\n\r\n"), []byte{16, 1})
	f.Add([]byte("foo: ignored\n\nbar\ndata:x\n\n"), []byte{})
	f.Fuzz(func(t *testing.T, body, cuts []byte) {
		var whole SSEParser
		want := whole.Feed(body)

		var split SSEParser
		var got []SSEEvent
		rest := body
		for _, c := range cuts {
			n := min(int(c), len(rest))
			got = append(got, split.Feed(rest[:n])...)
			rest = rest[n:]
		}
		got = append(got, split.Feed(rest)...)
		if !equalEvents(got, want) {
			t.Fatalf("split at %v:\n got %+v\nwant %+v", cuts, got, want)
		}

		// The same through SSEReader, one byte per Read.
		r := NewSSEReader(iotest.OneByteReader(bytes.NewReader(body)))
		var read []SSEEvent
		for {
			e, err := r.Next()
			if err != nil {
				break
			}
			read = append(read, e)
		}
		if !equalEvents(read, want) {
			t.Fatalf("SSEReader:\n got %+v\nwant %+v", read, want)
		}

		again := ParseSSE(formatSSE(want))
		if !equalEvents(again, want) {
			t.Fatalf("re-parsed %q:\n got %+v\nwant %+v", formatSSE(want), again, want)
		}
	})
}

// formatSSE writes events in canonical form: "field: value" lines ending
// in LF, every event with at least one data line so that it dispatches.
func formatSSE(events []SSEEvent) string {
	var b strings.Builder
	for _, e := range events {
		if e.IsComment {
			b.WriteString(": " + e.Comment + "\n")
			continue
		}
		if e.HasID {
			b.WriteString("id: " + e.ID + "\n")
		}
		if e.Event != "" {
			b.WriteString("event: " + e.Event + "\n")
		}
		if e.Retry != "" {
			b.WriteString("retry: " + e.Retry + "\n")
		}
		for _, line := range strings.Split(e.Data, "\n") {
			b.WriteString("data: " + line + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func equalEvents(a, b []SSEEvent) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}
