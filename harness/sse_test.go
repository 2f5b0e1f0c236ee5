package harness

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestSSEParserChunking(t *testing.T) {
	body := ": ping\r\nid: s1_0\r\nevent: message\r\ndata: {\"a\":1}\r\ndata: line2\r\n\r\nretry: 10\ndata: x\n\n"
	want := []SSEEvent{
		{IsComment: true, Comment: "ping"},
		{ID: "s1_0", HasID: true, Event: "message", Data: "{\"a\":1}\nline2"},
		{Retry: "10", Data: "x"},
	}
	for _, size := range []int{1, 2, 3, 7, len(body)} {
		t.Run(fmt.Sprintf("chunk=%d", size), func(t *testing.T) {
			var p SSEParser
			var got []SSEEvent
			for i := 0; i < len(body); i += size {
				got = append(got, p.Feed([]byte(body[i:min(i+size, len(body))]))...)
			}
			if len(got) != len(want) {
				t.Fatalf("events = %d, want %d: %+v", len(got), len(want), got)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestSSEReaderReturnsEventBeforeEOF(t *testing.T) {
	pr, pw := io.Pipe()
	r := NewSSEReader(pr)
	go pw.Write([]byte("data: first\n\n"))
	e, err := r.Next()
	if err != nil || e.Data != "first" {
		t.Fatalf("Next = %+v, %v; want data first", e, err)
	}
	pw.Close()
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next after close err = %v, want EOF", err)
	}
}

func TestRewriteSSEIDs(t *testing.T) {
	got := rewriteSSEIDs("id: a_1\r\ndata: id: not\n\nid:b\n", strings.ToUpper)
	want := "id: A_1\r\ndata: id: not\n\nid:B\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
