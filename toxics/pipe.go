package toxics

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/Shopify/toxiproxy/v2/stream"
	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// Plumbing shared by the HTTP-aware toxics. Their Pipe methods follow
// toxiproxy's contract (CREATING_TOXICS.md): a nil chunk is the end of the
// stream (flush, stub.Close, return); on Interrupt, flush what is held and
// return, because Pipe is run again with the same stub and State after an
// update; every byte read is either written or dropped on purpose.

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

// methodSet is a comma-separated list of request methods; empty matches
// every request, including those whose method is unknown.
type methodSet string

// match reports whether method is in the set. An unknown method ("", an
// unpaired response) matches only the empty set.
func (s methodSet) match(method string) bool {
	if strings.TrimSpace(string(s)) == "" {
		return true
	}
	for _, m := range strings.Split(string(s), ",") {
		if strings.EqualFold(strings.TrimSpace(m), method) && method != "" {
			return true
		}
	}
	return false
}

// looseString is a string attribute that also accepts a JSON number:
// toxiproxy-cli sends `-a from=202` as the number 202.
type looseString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *looseString) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		*s = looseString(v)
	case float64:
		*s = looseString(strconv.FormatFloat(v, 'f', -1, 64))
	case nil:
		*s = ""
	default:
		return fmt.Errorf("want a string or a number, got %s", b)
	}
	return nil
}

// looseBool is a bool attribute that also accepts "true"/"false" and 0/1:
// toxiproxy-cli and --toxic send `-a drop_on_cut=true` as a string.
type looseBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (b *looseBool) UnmarshalJSON(raw []byte) error {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*b = looseBool(v)
		return nil
	case float64:
		*b = v != 0
		return nil
	case string:
		if p, err := strconv.ParseBool(v); err == nil {
			*b = looseBool(p)
			return nil
		}
	case nil:
		*b = false
		return nil
	}
	return fmt.Errorf("want true or false, got %s", raw)
}

// responseSide parses the downstream stream of one connection and tells
// each response which request it answers.
type responseSide struct {
	log    *exchangeLog
	parser *wireParser
	next   int // index of the request the next final response answers
	finals int // final responses whose head was parsed
}

// newResponseSide must be called from a toxic's NewState: that is where the
// connection's exchangeLog can be claimed (see exchange_log.go).
func newResponseSide() *responseSide {
	r := &responseSide{log: claimExchange()}
	r.parser = newResponseParser(func() (string, string) {
		h, _ := r.log.request(r.next)
		r.next++
		r.finals++
		return h.method, h.target
	})
	return r
}

// awaitingResponse reports whether a logged request has no response head
// yet; false when unpaired.
func (r *responseSide) awaitingResponse() bool {
	return r.log != nil && r.log.count() > r.finals && !r.parser.inMessage()
}

// rewriteHead returns a head with the named fields removed and the given
// field lines added before the blank line.
func rewriteHead(raw []byte, drop []string, add ...string) []byte {
	lines := strings.Split(strings.TrimRight(string(raw), "\r\n"), "\n")
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		if i > 0 {
			name, _, _ := strings.Cut(l, ":")
			if containsFold(drop, strings.TrimSpace(name)) {
				continue
			}
		}
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	for _, a := range add {
		b.WriteString(a)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// replaceStatus returns a response head with a new status line.
func replaceStatus(raw []byte, proto string, status int, reason string) []byte {
	_, rest, _ := strings.Cut(string(raw), "\n")
	return []byte(fmt.Sprintf("%s %d %s\r\n%s", proto, status, reason, rest))
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

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
