package toxics

import (
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2/stream"
	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// toxiproxy interrupts a toxic to update or remove it, at any moment. A toxic
// interrupted with half a head in its parser must pass those bytes on before
// it returns: after a removal nobody else will. Then, run again on the same
// state, it passes the rest untouched and in order.
func TestInterruptMidHeadLosesNoBytes(t *testing.T) {
	toxics := map[string]tptoxics.Toxic{
		"sse_buffer":         &SSEBuffer{},
		"header_hold":        &HeaderHold{},
		"close_after_events": &CloseAfterEvents{Events: 1},
		"status_rewrite":     &StatusRewrite{},
		"body_drop":          &BodyDrop{Shape: string(ShapeEmpty)},
	}
	for name, tox := range toxics {
		t.Run(name, func(t *testing.T) {
			in := make(chan *stream.StreamChunk)
			out := make(chan *stream.StreamChunk, 16)
			stub := tptoxics.NewToxicStub(in, out)
			stub.State = tox.(tptoxics.StatefulToxic).NewState()
			first, rest := "HTTP/1.1 202 Acc", "epted\r\nContent-Length: 0\r\n\r\n"
			if name == "body_drop" {
				first, rest = "POST /mcp HTTP/1.1\r\nContent-Le", "ngth: 2\r\n\r\n{}"
			}
			run := func() chan struct{} {
				done := make(chan struct{})
				go func() { tox.Pipe(stub); close(done) }()
				return done
			}
			done := run()
			in <- &stream.StreamChunk{Data: []byte(first), Timestamp: time.Now()}
			stub.Interrupt <- struct{}{}
			<-done
			got := collect(out)
			if got != first {
				t.Fatalf("after the interrupt the toxic passed %q, want %q", got, first)
			}
			done = run()
			in <- &stream.StreamChunk{Data: []byte(rest), Timestamp: time.Now()}
			close(in)
			<-done
			if got := collect(out); got != rest {
				t.Errorf("after the restart the toxic passed %q, want %q untouched", got, rest)
			}
		})
	}
}

// collect drains what a toxic wrote so far.
func collect(out chan *stream.StreamChunk) string {
	var s string
	for {
		select {
		case c, ok := <-out:
			if !ok || c == nil {
				return s
			}
			s += string(c.Data)
		default:
			return s
		}
	}
}
