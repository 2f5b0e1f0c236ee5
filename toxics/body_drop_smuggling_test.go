package toxics

import (
	"strings"
	"testing"
)

// TestSecurityLowBodyDropNoSmuggling: body_drop shape=chunked re-frames a
// request by its Content-Length. With a signed, listed or repeated
// Content-Length that disagrees, re-framing would turn what the origin
// reads as one body into a body and a second, smuggled request; such a
// request passes through byte for byte instead, for the origin to refuse.
func TestSecurityLowBodyDropNoSmuggling(t *testing.T) {
	smuggled := "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n"
	for name, head := range map[string]string{
		"signed":     "Content-Length: +5\r\n",
		"list":       "Content-Length: 5, 40\r\n",
		"repeated":   "Content-Length: 5\r\nContent-Length: 40\r\n",
		"negative":   "Content-Length: -5\r\n",
		"hex":        "Content-Length: 0x5\r\n",
		"whitespace": "Content-Length: 5 5\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			in := "POST /mcp HTTP/1.1\r\nHost: x\r\n" + head + "\r\nhello" + smuggled
			got := string(pipeThrough(t, &BodyDrop{Shape: string(ShapeChunked)}, []byte(in), nil))
			if got != in {
				t.Fatalf("re-framed a request with %q:\n got %q\nwant %q (untouched)", strings.TrimSpace(head), got, in)
			}
		})
	}
	// A well-formed repeated Content-Length is still one body, re-framed.
	in := "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
	if got := string(pipeThrough(t, &BodyDrop{Shape: string(ShapeChunked)}, []byte(in), nil)); !strings.Contains(got, "Transfer-Encoding: chunked") || strings.Contains(got, "Content-Length") {
		t.Fatalf("identical Content-Length values: got %q, want the body re-framed chunked", got)
	}
}
