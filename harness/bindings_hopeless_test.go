package harness

import (
	"context"
	"testing"
	"time"
)

// TestAwaitStopsWhenTheProducerEnded: a request that needs a value the
// recording got from interaction 0's response waits while interaction 0
// runs, and stops waiting the moment it ended without giving the value
// (not after Grace): a session whose OAuth broke early finishes at once.
func TestAwaitStopsWhenTheProducerEnded(t *testing.T) {
	b := newBindings()
	const token = "__ACCESS_TOKEN_1__"
	b.produces(0, []string{token})
	never := make(chan time.Time) // Grace that never runs out
	got := make(chan []string, 1)
	go func() { got <- b.await(context.Background(), []string{token}, never) }()
	select {
	case m := <-got:
		t.Fatalf("await returned %v while its producer was still running", m)
	case <-time.After(50 * time.Millisecond): // still waiting, as it should
	}
	b.end(0)
	select {
	case m := <-got:
		if len(m) != 1 || m[0] != token {
			t.Fatalf("await = %v, want [%s] missing", m, token)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("await still waits for a value whose producer ended without it")
	}
	// A value with no producer yet known to have ended still waits.
	b.produces(5, []string{"__SESSION_ID_1__"})
	go func() { got <- b.await(context.Background(), []string{"__SESSION_ID_1__"}, never) }()
	select {
	case m := <-got:
		t.Fatalf("await gave up on %v before its producer ended", m)
	case <-time.After(50 * time.Millisecond):
	}
	b.bind("__SESSION_ID_1__", "live-session")
	if m := <-got; len(m) != 0 {
		t.Fatalf("await = %v after the value was bound, want none missing", m)
	}
}
