package toxics

import (
	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// pieceEdit is the one decision of a toxic that changes its stream piece
// by piece: it writes to o what p becomes (o.pass(p.raw) keeps it, writing
// nothing drops it) and reports whether to cut the connection once the
// chunk's output is sent. The pieces after a cut are dropped.
type pieceEdit func(p piece, o *chunkOut) (cut bool)

// editPieces is the Pipe loop of such a toxic (body_drop, header_strip,
// interstitial and the others built on it):
//
//	chunk > parser > edit(piece) > chunkOut > one chunk
//
// It keeps toxiproxy's contract (see stub.go) so that a toxic gives only
// its edit. release, when not nil, returns the bytes edit holds back
// (request_buffer): they are passed on, before the part of a head the
// parser holds, when the input ends or Pipe is interrupted.
func editPieces(stub *tptoxics.ToxicStub, parser *wireParser, release func() []byte, edit pieceEdit) {
	if stub.Closed() {
		drain(stub)
		return
	}
	passHeld := func() {
		if release != nil {
			send(stub, release())
		}
	}
	// One chunkOut for the connection, reset for each chunk: edit is a
	// func value, so the compiler cannot see that &o stays on the stack,
	// and a chunkOut per chunk would be an allocation per chunk.
	o := new(chunkOut)
	for {
		select {
		case <-stub.Interrupt:
			passHeld()
			interrupted(stub, parser)
			return
		case c := <-stub.Input:
			if c == nil {
				passHeld()
				ended(stub, parser)
				return
			}
			*o = chunkOut{in: c.Data}
			cutNow := false
			parser.feed(c.Data, func(p piece) {
				if !cutNow {
					cutNow = edit(p, o)
				}
			})
			o.flush(stub, c)
			if cutNow {
				cut(stub)
				return
			}
		}
	}
}
