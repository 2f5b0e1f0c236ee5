package toxics

import (
	"github.com/Shopify/toxiproxy/v2/stream"
	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// chunkOut builds what a toxic writes for one input chunk. Pieces that pass
// through untouched and sit in the chunk's memory in order are not copied:
// when every piece of a chunk passes, the chunk goes on as it came. A head
// split across chunks is emitted whole with the chunk that completes it
// (the parser holds the first part), so a toxic never forwards half a head
// it may still want to change.
type chunkOut struct {
	in     []byte
	passed int // in[:passed] is the output so far, while !copied
	out    []byte
	copied bool
}

// pass appends a piece's raw bytes unchanged.
func (o *chunkOut) pass(raw []byte) {
	if len(raw) == 0 {
		return
	}
	if !o.copied && o.passed < len(o.in) && &raw[0] == &o.in[o.passed] && len(raw) <= len(o.in)-o.passed {
		o.passed += len(raw)
		return
	}
	o.write(raw)
}

// write appends bytes that are not the chunk's own, in order.
func (o *chunkOut) write(b []byte) {
	if !o.copied {
		o.out = append(make([]byte, 0, len(o.in)+len(b)), o.in[:o.passed]...)
		o.copied = true
	}
	o.out = append(o.out, b...)
}

// flush sends the output: the original chunk when it passed whole.
func (o *chunkOut) flush(stub *tptoxics.ToxicStub, c *stream.StreamChunk) {
	switch {
	case o.copied:
		send(stub, o.out)
	case o.passed == len(o.in) && o.passed > 0:
		stub.Output <- c
	default:
		send(stub, o.in[:o.passed])
	}
}
