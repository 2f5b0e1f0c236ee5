package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mcpvcr/mcpvcr/markers"
)

// LogFormat selects how markers are written.
type LogFormat string

const (
	// LogText writes "TIME req=ID session=ID === NAME === detail", one per line.
	// Everything from "===" on is exactly the seed's form, so a seed log and
	// an mcpvcr log can be compared line by line.
	LogText LogFormat = "text"
	// LogJSON writes one JSON object per line with the fields of markers.Event.
	LogJSON LogFormat = "json"
)

// Logger writes marker events to a writer, one line each. It is safe for
// concurrent use. A nil *Logger discards everything.
type Logger struct {
	mu     sync.Mutex
	w      io.Writer
	format LogFormat
	now    func() time.Time
	hooks  []func(markers.Event)
	line   []byte // the text line being written, reused under mu
}

// NewLogger returns a Logger writing to w in the given format.
func NewLogger(w io.Writer, format LogFormat) *Logger {
	if format == "" {
		format = LogText
	}
	return &Logger{w: w, format: format, now: time.Now}
}

// OnEvent registers f to be called, under the logger's lock, with every event
// after it is written. Tests and the harness use it to capture markers
// in-process without parsing text.
func (l *Logger) OnEvent(f func(markers.Event)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hooks = append(l.hooks, f)
}

// Mark logs marker m with a printf-style detail. The request and session ids
// come from ctx (see WithScope).
func (l *Logger) Mark(ctx context.Context, m markers.Name, format string, args ...any) {
	if l == nil {
		return
	}
	detail := format
	if len(args) > 0 {
		detail = fmt.Sprintf(format, args...)
	}
	e := markers.Event{Name: m, Detail: escapeControls(detail)}
	if sc := scopeFrom(ctx); sc != nil {
		e.RequestID = sc.requestID
		e.SessionID = sc.SessionID()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Time = l.now()
	switch l.format {
	case LogJSON:
		b, _ := json.Marshal(e)
		fmt.Fprintf(l.w, "%s\n", b)
	default:
		// One event is one line, with one marker: a client-sent value (a
		// JSON-RPC method, a session id) must not forge a line or a marker.
		l.line = appendTextLine(l.line[:0], e)
		l.w.Write(l.line)
	}
	for _, h := range l.hooks {
		h(e)
	}
}

// Log escaping (issue 12 Medium 8). Every client-controlled value ends up
// in a log line somewhere (a session id, a JSON-RPC id, a client_id, the
// 8-byte prefix of a secret), and `mcpvcr expect` counts markers in those
// lines. So, whatever a client sends:
//
//   - no control byte reaches the log (no line break, no ANSI escape that
//     rewrites the operator's terminal, no C1 CSI, no invalid UTF-8):
//     escapeControls, for every format;
//   - in the text format no value holds "===" (a marker's delimiter) or
//     makes the line read as a JSON log line: inertID, inertDetail.
//
// Escapes are Go's (\n, \x1b, \u2028), and "=" of "===" becomes \x3d.

// escapeControls escapes control characters, line and paragraph
// separators and invalid UTF-8 in s.
func escapeControls(s string) string {
	clean := true
	for _, r := range s {
		if needsEscape(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && needsEscape(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError ||
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') // bidi overrides reorder what the operator reads
}

// markerDelimiter neutralises "===" in a value: "=\x3d=".
var markerDelimiter = strings.NewReplacer("===", `=\x3d=`)

// inertID is a request or session id for the text line: quoted when it is
// not plain, and unable to hold a marker or a JSON object. Every "=" is
// escaped: "session=" + "==" would read as the start of a marker
// (FuzzLogEscaping found it).
func inertID(id string) string {
	return idEscapes.Replace(logValue(escapeControls(id)))
}

var idEscapes = strings.NewReplacer("=", `\x3d`, "{", `\x7b`)

// inertDetail is a detail for the text line: no marker delimiter, and not
// a trailing JSON object that a log reader would take for a JSON line.
func inertDetail(d string) string {
	for strings.Contains(d, "===") { // "=====" leaves "=\x3d===" after one pass (FuzzLogEscaping)
		d = markerDelimiter.Replace(d)
	}
	if strings.HasSuffix(strings.TrimSpace(d), "}") {
		d = strings.ReplaceAll(d, "{", `\x7b`)
	}
	return d
}

// appendTextLine appends e's text line, "TIME req=ID session=ID === NAME
// === detail\n", to b. Every marker of every request comes through here,
// so the common case (plain ids, a detail with nothing to neutralise)
// costs no allocation; anything else goes through inertID/inertDetail.
func appendTextLine(b []byte, e markers.Event) []byte {
	b = e.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	b = append(b, " req="...)
	b = appendID(b, e.RequestID)
	b = append(b, " session="...)
	b = appendID(b, e.SessionID)
	b = append(b, " === "...)
	b = append(b, e.Name...)
	b = append(b, " ==="...)
	if e.Detail != "" {
		b = append(b, ' ')
		if strings.Contains(e.Detail, "===") || strings.HasSuffix(strings.TrimSpace(e.Detail), "}") {
			b = append(b, inertDetail(e.Detail)...)
		} else {
			b = append(b, e.Detail...) // already free of control bytes (escapeControls)
		}
	}
	return append(b, '\n')
}

// appendID appends an id as inertID has it, "-" when empty.
func appendID(b []byte, id string) []byte {
	if id == "" {
		return append(b, '-')
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return append(b, orDash(inertID(id))...)
		}
	}
	return append(b, id...)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Scope carries the ids every marker line of one HTTP request is tagged with.
// The session id is learned late (after initialize), so it is settable.
type Scope struct {
	requestID string
	sessionID atomic.Value // string
}

// SessionID returns the session id set so far, or "".
func (s *Scope) SessionID() string {
	v, _ := s.sessionID.Load().(string)
	return v
}

// SetSessionID tags the rest of the request's markers with id.
func (s *Scope) SetSessionID(id string) { s.sessionID.Store(id) }

type scopeKey struct{}

// ScopeFrom returns the request's scope set by WithScope, or nil.
func ScopeFrom(ctx context.Context) *Scope { return scopeFrom(ctx) }

// WithScope returns a context whose markers carry requestID, and the scope so
// the session id can be filled in later.
func WithScope(ctx context.Context, requestID string) (context.Context, *Scope) {
	sc := &Scope{requestID: requestID}
	return context.WithValue(ctx, scopeKey{}, sc), sc
}

func scopeFrom(ctx context.Context) *Scope {
	if ctx == nil {
		return nil
	}
	sc, _ := ctx.Value(scopeKey{}).(*Scope)
	return sc
}

// Short returns a secret as the seed logs it (markers.Short): a short
// prefix and "...", so a log line can be correlated with a request without
// holding the secret.
func Short(secret string) string { return markers.Short(secret) }
