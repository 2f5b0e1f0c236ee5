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
)

// LogFormat selects how markers are written.
type LogFormat string

const (
	// LogText writes "TIME req=ID session=ID === NAME === detail", one per line.
	// Everything from "===" on is exactly the seed's form, so a seed log and
	// an mcpvcr log can be compared line by line.
	LogText LogFormat = "text"
	// LogJSON writes one JSON object per line with the fields of Event.
	LogJSON LogFormat = "json"
)

// Event is one logged marker.
type Event struct {
	Time      time.Time `json:"time"`
	Marker    Marker    `json:"marker"`
	Detail    string    `json:"detail,omitempty"`
	RequestID string    `json:"req,omitempty"`
	SessionID string    `json:"session,omitempty"`
}

// Text returns the seed's form of the event: "=== NAME === detail".
func (e Event) Text() string {
	if e.Detail == "" {
		return fmt.Sprintf("=== %s ===", e.Marker)
	}
	return fmt.Sprintf("=== %s === %s", e.Marker, e.Detail)
}

// Logger writes marker events to a writer, one line each. It is safe for
// concurrent use. A nil *Logger discards everything.
type Logger struct {
	mu     sync.Mutex
	w      io.Writer
	format LogFormat
	now    func() time.Time
	hooks  []func(Event)
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
func (l *Logger) OnEvent(f func(Event)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hooks = append(l.hooks, f)
}

// Mark logs marker m with a printf-style detail. The request and session ids
// come from ctx (see WithScope).
func (l *Logger) Mark(ctx context.Context, m Marker, format string, args ...any) {
	if l == nil {
		return
	}
	detail := format
	if len(args) > 0 {
		detail = fmt.Sprintf(format, args...)
	}
	e := Event{Marker: m, Detail: detail}
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
		// One event is one line: a client-sent value holding a line break
		// (a JSON-RPC method, a session id) must not forge a marker line.
		fmt.Fprintf(l.w, "%s req=%s session=%s %s\n",
			e.Time.UTC().Format("2006-01-02T15:04:05.000000Z"), orDash(logValue(e.RequestID)), orDash(logValue(e.SessionID)), oneLine.Replace(e.Text()))
	}
	for _, h := range l.hooks {
		h(e)
	}
}

// oneLine escapes line breaks in a text log line.
var oneLine = strings.NewReplacer("\r", `\r`, "\n", `\n`, "\u2028", `\u2028`, "\u2029", `\u2029`)

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

// Short returns a secret as the seed logs it: a short prefix and "...", so a
// log line can be correlated with a request without holding the secret.
func Short(secret string) string {
	const keep = 8
	if len(secret) <= keep {
		return "***"
	}
	return secret[:keep] + "..."
}
