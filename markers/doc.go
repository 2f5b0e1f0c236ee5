// Package markers is the vocabulary of the server's lifecycle log: the
// marker names (names.go, the whole catalog in one file), the Event a
// marker line carries, and ParseLine, which reads an event back from a log
// line in any form the server (or the seed's Python server) writes.
//
// It imports nothing of mcpvcr, so the server that writes markers and the
// harness that reads them share one type without the harness needing the
// server:
//
//	e, ok := markers.ParseLine("2026-11-27T10:00:00.000000Z req=ab12 session=- === REQUEST BODY === Received 0 bytes")
//	// ok, e.Name == markers.RequestBody, e.Detail == "Received 0 bytes", e.RequestID == "ab12"
package markers
