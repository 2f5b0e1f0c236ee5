package markers

import (
	"fmt"
	"time"
)

// Event is one logged marker: what server.Logger writes, and what ParseLine
// reads back from a log line in any form the server writes
// (server/logger.go):
//
//	2026-11-27T10:00:00.000000Z req=ab12 session=- === REQUEST BODY === Received 0 bytes
//	{"time":"...","marker":"REQUEST BODY","detail":"Received 0 bytes","req":"ab12"}
//
// Its JSON form is the server's JSON log line.
type Event struct {
	Time      time.Time `json:"time,omitzero"`
	Name      Name      `json:"marker"`
	Detail    string    `json:"detail,omitempty"`
	RequestID string    `json:"req,omitempty"`
	SessionID string    `json:"session,omitempty"`
	// Line is the log line as read (for failure messages); Seq its
	// position among the markers of its log, from 1. Both are left empty
	// by the server and filled by whoever collects the events.
	Line string `json:"-"`
	Seq  int    `json:"-"`
}

// Text returns the seed's form of the event: "=== NAME === detail".
func (e Event) Text() string {
	if e.Detail == "" {
		return fmt.Sprintf("=== %s ===", e.Name)
	}
	return fmt.Sprintf("=== %s === %s", e.Name, e.Detail)
}

// String returns the log line the event was read from, or its Text.
func (e Event) String() string {
	if e.Line != "" {
		return e.Line
	}
	return e.Text()
}

// Source reports every event as it is logged; *server.Logger is one. It
// lets a collector capture markers in-process without parsing text and
// without importing the server.
type Source interface {
	OnEvent(func(Event))
}

// Short returns a secret as a marker's detail carries it, as the seed logs
// it: a short prefix and "...", so a log line can be correlated with a
// request without holding the secret; a secret of 8 bytes or fewer is "***".
func Short(secret string) string {
	const keep = 8
	if len(secret) <= keep {
		return "***"
	}
	return secret[:keep] + "..."
}
