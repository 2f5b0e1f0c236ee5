package toxics

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2/stream"
	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// wireSeeds are byte streams of both directions: keep-alive, pipelining,
// chunking with extensions and trailers, interim responses, upgrades, SSE,
// bodies delimited by close, and things that are not HTTP at all.
var wireSeeds = []struct {
	requests bool
	in       string
}{
	{true, "POST /mcp HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /a HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n"},
	{false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" +
		"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" +
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n"},
	{false, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"e\r\nid: 1\ndata: a\n\n\r\n7\r\n: ping\n\r\n0\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"},
	{false, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi"},
	{false, "HTTP/1.0 200 OK\nContent-Type: text/event-stream\n\ndata: until close\n\n"},
	{true, "\r\n\r\nGET / HTTP/1.1\nHost: x\n\n"},
	{true, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"},
	{false, "SSH-2.0-OpenSSH\r\n\r\nmore"},
	{true, "GET / HTTP/1.1\r\nHost"},
}

// wirePiece is a piece with what a toxic can see of it, for comparison.
type wirePiece struct {
	Kind pieceKind
	Raw  string
	Msg  message
}

// collectPieces feeds in split at cuts (each byte of cuts is the length
// of the next chunk; the rest is one last chunk), then EOF, and returns
// the pieces with runs of same-kind body pieces merged: a split stream
// cuts data, framing and opaque runs, nothing else.
func collectPieces(p *wireParser, in, cuts []byte) []wirePiece {
	var out []wirePiece
	emit := func(pc piece) {
		wp := wirePiece{Kind: pc.kind, Raw: string(pc.raw)}
		if pc.msg != nil && (pc.kind == pieceHead || pc.kind == pieceEnd) {
			wp.Msg = *pc.msg
		}
		if n := len(out); n > 0 && pc.kind != pieceHead && pc.kind != pieceEnd && out[n-1].Kind == pc.kind {
			out[n-1].Raw += wp.Raw
			return
		}
		if pc.kind != pieceHead && pc.kind != pieceEnd && len(pc.raw) == 0 {
			return
		}
		out = append(out, wp)
	}
	for _, c := range cuts {
		n := min(int(c), len(in))
		p.feed(in[:n], emit)
		in = in[n:]
	}
	p.feed(in, emit)
	p.eof(emit)
	return out
}

// requestAnswered returns a nextRequest function cycling through methods
// (GET when empty): a response parser must ask it once per final response
// in every chunking.
func requestAnswered(methods []byte) func() (string, string) {
	names := []string{"GET", "POST", "HEAD", "CONNECT", "DELETE"}
	i := 0
	return func() (string, string) {
		m := "GET"
		if len(methods) > 0 {
			m = names[int(methods[i%len(methods)])%len(names)]
		}
		i++
		return m, fmt.Sprintf("/r%d", i)
	}
}

// FuzzWireParser checks the HTTP/1.1 parser inside the HTTP-aware toxics:
// any split of the same byte stream yields the same messages (heads,
// bodies, ends) and every input byte comes out once, in order.
func FuzzWireParser(f *testing.F) {
	for _, s := range wireSeeds {
		f.Add([]byte(s.in), []byte{1, 3, 7}, s.requests, []byte{0, 2, 1})
	}
	f.Fuzz(func(t *testing.T, in, cuts []byte, requests bool, methods []byte) {
		parser := func() *wireParser {
			if requests {
				return newRequestParser()
			}
			return newResponseParser(requestAnswered(methods))
		}
		want := collectPieces(parser(), in, nil)
		var raw bytes.Buffer
		for _, p := range want {
			raw.WriteString(p.Raw)
		}
		if !bytes.Equal(raw.Bytes(), in) {
			t.Fatalf("pieces carry %q, want the input %q", raw.Bytes(), in)
		}
		got := collectPieces(parser(), in, cuts)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("split at %v:\n got %s\nwant %s", cuts, describePieces(got), describePieces(want))
		}
	})
}

func describePieces(ps []wirePiece) string {
	var b bytes.Buffer
	for _, p := range ps {
		fmt.Fprintf(&b, "\n  %d %q", p.Kind, p.Raw)
		if p.Kind == pieceHead {
			fmt.Fprintf(&b, " %s %s %d len=%d chunked=%v", p.Msg.method, p.Msg.target, p.Msg.status, p.Msg.contentLength, p.Msg.chunked)
		}
	}
	return b.String()
}

// FuzzSSEScanner checks that the event boundaries close_after_events
// counts do not depend on how the body arrives.
func FuzzSSEScanner(f *testing.F) {
	f.Add([]byte("id: 1\ndata: a\n\n: ping\n\ndata: b\r\n\r\n"), []byte{1, 5})
	f.Add([]byte(":only comment\n\n\n\ndata:\n\n"), []byte{2})
	f.Fuzz(func(t *testing.T, in, cuts []byte) {
		ends := func(cuts []byte) []int {
			var s sseScanner
			var out []int
			off := 0
			rest := in
			feed := func(b []byte) {
				base := off
				s.feed(b, func(end int) { out = append(out, base+end) })
				off += len(b)
			}
			for _, c := range cuts {
				n := min(int(c), len(rest))
				feed(rest[:n])
				rest = rest[n:]
			}
			feed(rest)
			return out
		}
		want, got := ends(nil), ends(cuts)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("split at %v: event ends %v, want %v", cuts, got, want)
		}
	})
}

// FuzzPassThroughToxics runs arbitrary streams, in arbitrary chunks,
// through every HTTP-aware toxic configured to change nothing but timing:
// holders holding every response until it ends, a cut never reached, a
// rewrite and a body drop that match nothing. What comes out must be the
// input, including the bytes of a head the stream ends in the middle of.
func FuzzPassThroughToxics(f *testing.F) {
	for _, s := range wireSeeds {
		f.Add([]byte(s.in), []byte{2, 9, 4})
	}
	f.Fuzz(func(t *testing.T, in, cuts []byte) {
		for _, toxic := range []tptoxics.StatefulToxic{
			&SSEBuffer{},
			&HeaderHold{},
			&CloseAfterEvents{Events: 1 << 40},
			&StatusRewrite{From: "1000"},
			&IdleCut{},
			&BodyDrop{Shape: string(ShapeEmpty), Path: "/never/"},
		} {
			if got := pipeThrough(t, toxic, in, cuts); !bytes.Equal(got, in) {
				t.Fatalf("%T: output %q, want the input %q", toxic, got, in)
			}
		}
	})
}

// pipeThrough runs one toxic's Pipe on in, split at cuts, and returns its
// output after the end of the stream.
func pipeThrough(t *testing.T, toxic tptoxics.StatefulToxic, in, cuts []byte) []byte {
	t.Helper()
	input := make(chan *stream.StreamChunk)
	output := make(chan *stream.StreamChunk, 1)
	stub := tptoxics.NewToxicStub(input, output)
	stub.State = toxic.NewState()
	done := make(chan struct{})
	go func() {
		defer close(done)
		toxic.(tptoxics.Toxic).Pipe(stub)
	}()
	var out []byte
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for c := range output {
			out = append(out, c.Data...)
		}
	}()
	send := func(b []byte) {
		if len(b) > 0 {
			input <- &stream.StreamChunk{Data: append([]byte(nil), b...), Timestamp: time.Now()}
		}
	}
	for _, c := range cuts {
		n := min(int(c), len(in))
		send(in[:n])
		in = in[n:]
	}
	send(in)
	input <- nil
	select {
	case <-collected:
	case <-time.After(10 * time.Second):
		t.Fatal("toxic did not close its output after the end of the stream")
	}
	<-done
	return out
}
