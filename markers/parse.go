package markers

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

var (
	textMarkerRE = regexp.MustCompile(`=== (.+?) ===(?: (.*))?$`)
	reqRE        = regexp.MustCompile(`(?:^|\s)req=(\S+)`)
	sessionRE    = regexp.MustCompile(`(?:^|\s)session=(\S+)`)
	timeLayouts  = []string{time.RFC3339Nano, "2006-01-02T15:04:05.000000Z", "2006-01-02 15:04:05.000", "2006-01-02 15:04:05,000", "2006-01-02 15:04:05"}
)

// ParseLine parses one log line in either form the server writes, or the
// seed's bare form ("=== STREAM CLOSING === ..."), with whatever prefix a
// log pipeline adds (docker --timestamps, compose's "name | "). ok is false
// for lines that carry no marker. The event's Line is the line as read.
func ParseLine(line string) (e Event, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	if i := strings.IndexByte(line, '{'); i >= 0 && strings.HasSuffix(strings.TrimSpace(line), "}") {
		var j Event
		if json.Unmarshal([]byte(line[i:]), &j) == nil && j.Name != "" {
			j.Line = line
			return j, true
		}
	}
	loc := textMarkerRE.FindStringSubmatchIndex(line)
	if loc == nil {
		return Event{}, false
	}
	e = Event{Name: Name(line[loc[2]:loc[3]]), Line: line}
	if loc[4] >= 0 {
		e.Detail = line[loc[4]:loc[5]]
	}
	prefix := line[:loc[0]]
	if s := reqRE.FindStringSubmatch(prefix); s != nil && s[1] != "-" {
		e.RequestID = s[1]
	}
	if s := sessionRE.FindStringSubmatch(prefix); s != nil && s[1] != "-" {
		e.SessionID = s[1]
	}
	e.Time = prefixTime(prefix)
	return e, true
}

// prefixTime finds a timestamp among the first words of a line prefix.
func prefixTime(prefix string) time.Time {
	words := strings.Fields(prefix)
	for i := 0; i < len(words) && i < 4; i++ {
		for _, cand := range []string{words[i], strings.Join(words[i:min(i+2, len(words))], " ")} {
			for _, layout := range timeLayouts {
				if t, err := time.Parse(layout, cand); err == nil {
					return t
				}
			}
		}
	}
	return time.Time{}
}
