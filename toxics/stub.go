package toxics

import (
	"time"

	"github.com/Shopify/toxiproxy/v2/stream"
	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// Plumbing shared by the HTTP-aware toxics. Their Pipe methods follow
// toxiproxy's contract (CREATING_TOXICS.md): a nil chunk is the end of the
// stream (flush, stub.Close, return); on Interrupt, flush what is held and
// return, because Pipe is run again with the same stub and State after an
// update; every byte read is either written or dropped on purpose.
//
// A toxic's Pipe is one of the loops that keep that contract, given only
// the toxic's decision: editPieces (edit_pieces.go) to change its stream
// piece by piece, editHeads (head_rewrite.go) to change heads only, watch
// (below) to pass every chunk as it came and only look, runHolder
// (holder.go) to hold bytes back.

// send writes b, which the caller gives up, as one chunk.
func send(stub *tptoxics.ToxicStub, b []byte) {
	if len(b) > 0 {
		stub.Output <- &stream.StreamChunk{Data: b, Timestamp: time.Now()}
	}
}

// cut closes the stub's output, which makes toxiproxy close the connection
// on that side, then drains the input until the stream ends. Draining
// matters: a toxic that stops reading blocks the toxics before it and the
// link's reader for ever, which is how reset_peer leaks two goroutines per
// connection (see leak_test.go).
func cut(stub *tptoxics.ToxicStub) {
	stub.Close()
	drain(stub)
}

// interrupted passes on, before a toxic's Pipe returns on Interrupt, the
// part of a head its parser holds (see wireParser.abandon).
func interrupted(stub *tptoxics.ToxicStub, p *wireParser) {
	var out []byte
	p.abandon(func(pc piece) { out = append(out, pc.raw...) })
	send(stub, out)
}

// ended is for a toxic whose input ended (a nil chunk): it passes on the
// part of a head its parser holds, since the connection closed in the
// middle of it, then closes the output. Closing without it dropped those
// bytes (found by FuzzPassThroughToxics).
func ended(stub *tptoxics.ToxicStub, p *wireParser) {
	interrupted(stub, p)
	stub.Close()
}

// watch is the Pipe loop of a toxic that passes every chunk on as it came
// and only looks at it (request_log, idle_cut): see is called with each
// chunk before it goes on. alarm, when not nil, is a timer's channel; ring
// is called with its time and reports whether the toxic is done (it cut
// the connection). watch reports whether the input ended: the caller then
// closes the output (stub.Close), after what it must do first.
func watch(stub *tptoxics.ToxicStub, see func(c *stream.StreamChunk), alarm <-chan time.Time, ring func(now time.Time) (done bool)) (ended bool) {
	if stub.Closed() {
		drain(stub)
		return false
	}
	for {
		select {
		case <-stub.Interrupt:
			return false
		case c := <-stub.Input:
			if c == nil {
				return true
			}
			see(c)
			stub.Output <- c
		case now := <-alarm:
			if ring(now) {
				return false
			}
		}
	}
}

// drain discards input until the end of the stream or an interrupt.
func drain(stub *tptoxics.ToxicStub) {
	for {
		select {
		case <-stub.Interrupt:
			return
		case c := <-stub.Input:
			if c == nil {
				return
			}
		}
	}
}
