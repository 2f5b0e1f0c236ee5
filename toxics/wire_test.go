package toxics

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// parseAll feeds in at every split of step bytes and returns a description
// of the pieces and the concatenated raw bytes.
func parseAll(p *wireParser, in string, step int) (kinds []string, raw []byte) {
	emit := func(pc piece) {
		raw = append(raw, pc.raw...)
		switch pc.kind {
		case pieceHead:
			if pc.msg.request {
				kinds = append(kinds, "head "+pc.msg.method)
			} else {
				kinds = append(kinds, fmt.Sprintf("head %d", pc.msg.status))
			}
		case pieceEnd:
			kinds = append(kinds, "end")
		case pieceData:
			if n := len(kinds); n > 0 && strings.HasPrefix(kinds[n-1], "data ") {
				kinds[n-1] += string(pc.raw)
			} else {
				kinds = append(kinds, "data "+string(pc.raw))
			}
		case pieceOpaque:
			kinds = append(kinds, "opaque")
		}
	}
	for i := 0; i < len(in); i += step {
		j := i + step
		if j > len(in) {
			j = len(in)
		}
		p.feed([]byte(in[i:j]), emit)
	}
	p.eof(emit)
	// Merge consecutive opaque markers from split feeding.
	var merged []string
	for _, k := range kinds {
		if k == "opaque" && len(merged) > 0 && merged[len(merged)-1] == "opaque" {
			continue
		}
		merged = append(merged, k)
	}
	return merged, raw
}

func TestWireParser(t *testing.T) {
	tests := []struct {
		name     string
		requests bool
		reqs     []string // methods the responses answer
		in       string
		want     []string
	}{
		{"pipelined requests", true, nil,
			"POST /mcp HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /a HTTP/1.1\r\nHost: x\r\n\r\n" +
				"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
			[]string{"head POST", "data hello", "end", "head GET", "end", "head POST", "data abcde", "end"}},
		{"keep-alive responses", false, []string{"GET", "HEAD", "GET", "POST"},
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" +
				"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" +
				"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n" +
				"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n",
			[]string{"head 200", "data hi", "end", "head 200", "end", "head 100", "end", "head 204", "end", "head 200", "data data: 1\n\n", "end"}},
		{"upgrade goes opaque", false, []string{"GET"},
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi",
			[]string{"head 101", "end", "opaque"}},
		{"garbage goes opaque", false, nil, "SSH-2.0-OpenSSH\r\n\r\nmore", []string{"opaque"}},
		{"TLS request goes opaque", true, nil, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", []string{"opaque"}},
		{"lower-case method goes opaque", true, nil, "get / HTTP/1.1\r\n\r\n", []string{"opaque"}},
		{"incomplete head at eof", true, nil, "GET / HTTP/1.1\r\nHost", []string{"opaque"}},
	}
	for _, tt := range tests {
		for _, step := range []int{1, 3, 7, len(tt.in)} {
			t.Run(fmt.Sprintf("%s/step%d", tt.name, step), func(t *testing.T) {
				p := newRequestParser()
				if !tt.requests {
					ms := tt.reqs
					p = newResponseParser(func() (string, string) {
						if len(ms) == 0 {
							return "", ""
						}
						m := ms[0]
						ms = ms[1:]
						return m, "/"
					})
				}
				got, raw := parseAll(p, tt.in, step)
				if !bytes.Equal(raw, []byte(tt.in)) {
					t.Errorf("raw bytes changed:\n got %q\nwant %q", raw, tt.in)
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("pieces = %q\nwant %q", got, tt.want)
				}
			})
		}
	}
}

func TestSSEScanner(t *testing.T) {
	in := ": ping\n\nid: 1\ndata: {\"a\":1}\n\n: ka\r\n\r\nevent: x\r\ndata: y\r\n\r\ndata: partial"
	for _, step := range []int{1, 2, 5, len(in)} {
		var s sseScanner
		var ends []int
		for i := 0; i < len(in); i += step {
			j := min(i+step, len(in))
			s.feed([]byte(in[i:j]), func(end int) { ends = append(ends, i+end) })
		}
		want := []int{strings.Index(in, "\n\n: ka") + 2, strings.Index(in, "\r\n\r\ndata: partial") + 4}
		if fmt.Sprint(ends) != fmt.Sprint(want) {
			t.Errorf("step %d: event ends = %v, want %v", step, ends, want)
		}
	}
}

// A stream that cannot be HTTP is passed on from its first bytes, not held
// until a blank line that never comes.
func TestWireParserGivesUpEarly(t *testing.T) {
	tests := []struct {
		name     string
		requests bool
		first    string
	}{
		{"TLS client hello", true, "\x16"},
		{"SSH banner", false, "SSH-"},
		{"binary response", false, "\x00\x01"},
		{"request line without a method", true, " / HTTP/1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newResponseParser(nil)
			if tt.requests {
				p = newRequestParser()
			}
			var got []byte
			p.feed([]byte(tt.first), func(pc piece) { got = append(got, pc.raw...) })
			if string(got) != tt.first {
				t.Errorf("after %q the parser passed %q, want it all at once", tt.first, got)
			}
		})
	}
}
