package toxics

import (
	"fmt"
	"strings"
)

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
