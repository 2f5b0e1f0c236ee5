package toxics

import (
	"time"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// holdPolicy is what a holding toxic keeps back. sse_buffer and
// header_hold are both holders; they differ only here.
type holdPolicy struct {
	// toxic names the toxic in action lines.
	toxic ToxicType
	// start reports whether a response whose head is m is held.
	start func(m *message) bool
	// releaseAt releases everything held once this many bytes are (0 = no
	// size limit); the response goes on being held after a release.
	releaseAt int64
	// untilFirstByte: the rest of a held response passes without holding
	// from its first body byte on (chunk-size lines are not body bytes).
	untilFirstByte bool
	// maxHold is the longest any byte is held (0 = no limit).
	maxHold time.Duration
	// dropOnCut: when the connection ends in the middle of a held
	// response, only its head is passed on and the held body bytes are
	// dropped (nginx on a read timeout).
	dropOnCut bool
	// passHead: a held response's head passes at once and only its body is
	// held (nginx behind an HTTP/2 front sends HEADERS at once and buffers
	// DATA).
	passHead bool
}

// holdState is a holder's per-connection state.
type holdState struct {
	resp    *responseSide
	holding bool      // the current response is held
	what    string    // the held response, for action lines
	held    []byte    // bytes held back, in order after everything released
	headLen int       // held[:headLen] is the held response's head, if held
	since   time.Time // when the oldest held byte arrived
}

func newHoldState() *holdState { return &holdState{resp: newResponseSide()} }

// runHolder is the Pipe loop of a holding toxic.
func runHolder(stub *tptoxics.ToxicStub, st *holdState, pol holdPolicy) {
	if stub.Closed() {
		drain(stub)
		return
	}
	var timer *time.Timer
	var expired <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	rearm := func() {
		if timer != nil {
			timer.Stop()
			timer, expired = nil, nil
		}
		if max := pol.maxHold; max > 0 && len(st.held) > 0 {
			timer = time.NewTimer(max - time.Since(st.since))
			expired = timer.C
		}
	}
	rearm()
	for {
		select {
		case <-stub.Interrupt:
			o := chunkOut{}
			st.resp.parser.abandon(func(p piece) { st.piece(p, pol, &o, time.Now()) })
			o.write(st.take(nil))
			send(stub, o.out)
			return
		case <-expired:
			st.logRelease(pol, "after max_hold")
			send(stub, st.take(nil))
			rearm()
		case c := <-stub.Input:
			if c == nil {
				if pol.dropOnCut && st.cutMidResponse() {
					logAction(pol.toxic, "the connection ended mid-response: passed the head of %s, dropped %d held body bytes", st.what, len(st.held)-st.headLen)
					send(stub, st.held[:st.headLen])
					stub.Close()
					return
				}
				o := chunkOut{}
				st.resp.parser.eof(func(p piece) { st.piece(p, pol, &o, time.Now()) })
				st.logRelease(pol, "when the connection closed")
				o.write(st.take(nil))
				send(stub, o.out)
				stub.Close()
				return
			}
			heldBefore, sinceBefore := len(st.held), st.since
			o := chunkOut{in: c.Data}
			st.resp.parser.feed(c.Data, func(p piece) { st.piece(p, pol, &o, c.Timestamp) })
			o.flush(stub, c)
			if heldBefore == 0 || len(st.held) == 0 || !st.since.Equal(sinceBefore) {
				rearm()
			}
		}
	}
}

// piece routes one piece to the output or to the held bytes.
func (st *holdState) piece(p piece, pol holdPolicy, o *chunkOut, now time.Time) {
	if p.kind == pieceHead && !p.msg.interim && !st.holding && pol.start(p.msg) {
		st.holding, st.what = true, describeResponse(p.msg)
		logAction(pol.toxic, "holding %s", st.what)
	}
	if !st.holding || (p.kind == pieceHead && pol.passHead) {
		o.pass(p.raw)
		return
	}
	if len(st.held) == 0 {
		st.since = now
	}
	st.held = append(st.held, p.raw...)
	if p.kind == pieceHead {
		st.headLen = len(st.held)
	}
	if pol.releaseAt > 0 && int64(len(st.held)) >= pol.releaseAt {
		st.logRelease(pol, "at the size limit")
		o.write(st.take(nil))
	}
	if p.kind == pieceEnd || (pol.untilFirstByte && p.kind == pieceData && len(p.raw) > 0) {
		why := "at the end of the response"
		if p.kind != pieceEnd {
			why = "at the first body byte"
		}
		st.logRelease(pol, why)
		o.write(st.take(nil))
		st.holding = false
	}
}

// logRelease reports the release of what is held, if anything is.
func (st *holdState) logRelease(pol holdPolicy, why string) {
	if len(st.held) > 0 {
		logAction(pol.toxic, "released %d bytes of %s, held %s, %s", len(st.held), st.what, roundForLog(time.Since(st.since)), why)
	}
}

// take appends the held bytes to out and empties the hold.
func (st *holdState) take(out []byte) []byte {
	out = append(out, st.held...)
	st.held, st.headLen = st.held[:0], 0
	return out
}

// cutMidResponse reports whether a held response is incomplete: its
// connection ended before the response's framing did.
func (st *holdState) cutMidResponse() bool {
	return st.holding && st.resp.parser.inMessage() && st.resp.parser.state != stUntilClose
}
