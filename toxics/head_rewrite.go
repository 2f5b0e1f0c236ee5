package toxics

import (
	"fmt"
	"strings"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// editHeads is the Pipe loop of a toxic that changes message heads only
// (header_strip, request_header_strip, status_rewrite): rewrite returns
// what the head raw of m becomes, or nil to pass it as it came. Bodies and
// framing pass untouched.
func editHeads(stub *tptoxics.ToxicStub, parser *wireParser, rewrite func(m *message, raw []byte) []byte) {
	editPieces(stub, parser, nil, func(p piece, o *chunkOut) bool {
		if p.kind == pieceHead {
			if head := rewrite(p.msg, p.raw); head != nil {
				o.write(head)
				return false
			}
		}
		o.pass(p.raw)
		return false
	})
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
