package toxics

import "bytes"

// sseScanner finds where Server-Sent Events end in a decoded response body
// (the WHATWG event-stream format: fields on lines, an event ends at a blank
// line). It counts only blocks that carry a field; a block of comments only
// (": ping" keepalives) dispatches nothing in a browser and is not counted.
// Lines end in LF or CR LF; a lone CR is treated as an ordinary byte, which
// no MCP server we know of writes.
type sseScanner struct {
	lineLen     int  // bytes on the current line, CR excluded
	lineComment bool // the current line starts with ':'
	fields      int  // field lines in the current block
}

// feed scans data and calls onEvent with the offset just past each event's
// terminating blank line.
func (s *sseScanner) feed(data []byte, onEvent func(end int)) {
	i := 0
	for i < len(data) {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			s.addLine(data[i:])
			return
		}
		s.addLine(data[i : i+j])
		i += j + 1
		if s.lineLen == 0 {
			if s.fields > 0 {
				onEvent(i)
			}
			s.fields = 0
		} else if !s.lineComment {
			s.fields++
		}
		s.lineLen, s.lineComment = 0, false
	}
}

// addLine accounts for part of a line (no LF in it).
func (s *sseScanner) addLine(b []byte) {
	for _, c := range b {
		if c == '\r' {
			continue
		}
		if s.lineLen == 0 && c == ':' {
			s.lineComment = true
		}
		s.lineLen++
	}
}
