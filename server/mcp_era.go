package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Two protocol eras share one /mcp endpoint (docs/mcp.md "Two protocol
// eras"). A client announces its era on every request, and the server picks
// the go-sdk handler per request:
//
//	POST/GET/DELETE /mcp > inspect (reads the body once) > era of the request
//	                                                        ├ 2025-11-25 and older > stateful handler: sessions,
//	                                                        │  initialize, GET listen stream, resumability,
//	                                                        │  server-to-client requests
//	                                                        └ 2026-07-28 > stateless handler: server/discover,
//	                                                           subscriptions/listen, Mcp-Method/Mcp-Name checks,
//	                                                           input-required results, 405 for GET and DELETE
//
// go-sdk v1.8.0 has both, but in separate modes: its stateless handler
// serves 2026-07-28 fully and loses server-to-client requests for older
// clients, and its stateful handler refuses most 2026-07-28 requests
// (field failure 41).

// ProtocolEra names the protocol generation a request speaks.
type ProtocolEra string

const (
	// EraSessions is 2025-11-25 and older: initialize, Mcp-Session-Id.
	EraSessions ProtocolEra = "2025-11-25"
	// EraStateless is 2026-07-28 and later: no session, `_meta` per request.
	EraStateless ProtocolEra = "2026-07-28"
)

// firstStatelessVersion is the first protocol version without sessions.
const firstStatelessVersion = "2026-07-28"

// metaProtocolVersion is the `_meta` key a 2026-07-28 request carries its
// protocol version in (SEP-2575).
const metaProtocolVersion = "io.modelcontextprotocol/protocolVersion"

// statelessVersion reports whether version is 2026-07-28 or later. Protocol
// versions are dates, so they compare as strings.
func statelessVersion(version string) bool {
	return version >= firstStatelessVersion && looksLikeVersion(version)
}

// looksLikeVersion reports whether v has the shape YYYY-MM-DD.
func looksLikeVersion(v string) bool {
	if len(v) != len("2006-01-02") || v[4] != '-' || v[7] != '-' {
		return false
	}
	for i, c := range v {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// requestEra returns the era r announces: the Mcp-Protocol-Version header,
// or, for a POST whose header is missing, the `_meta` protocol version of
// any request in the body (so the stateless handler can answer the missing
// header with HeaderMismatch instead of the stateful one asking for a
// session). Everything else (no header, an initialize) is the sessions era.
func requestEra(r *http.Request, msgs []wireMessage) ProtocolEra {
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" {
		if statelessVersion(v) {
			return EraStateless
		}
		return EraSessions
	}
	for _, m := range msgs {
		if statelessVersion(m.metaProtocolVersion()) {
			return EraStateless
		}
	}
	return EraSessions
}

// metaProtocolVersion returns params._meta["io.modelcontextprotocol/protocolVersion"], or "".
func (m wireMessage) metaProtocolVersion() string {
	if len(m.Params) == 0 || !strings.Contains(string(m.Params), metaProtocolVersion) {
		return ""
	}
	var p struct {
		Meta map[string]json.RawMessage `json:"_meta"`
	}
	if json.Unmarshal(m.Params, &p) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(p.Meta[metaProtocolVersion], &v) != nil {
		return ""
	}
	return v
}

type eraKey struct{}

// withEra records the era inspect found for the request.
func withEra(ctx context.Context, era ProtocolEra) context.Context {
	return context.WithValue(ctx, eraKey{}, era)
}

// eraFrom returns the era inspect recorded, EraSessions by default.
func eraFrom(ctx context.Context) ProtocolEra {
	if era, ok := ctx.Value(eraKey{}).(ProtocolEra); ok {
		return era
	}
	return EraSessions
}

// statelessHeaderGrace is how long a 2026-07-28 call may run before the
// observer commits its SSE headers and an opening comment. 2026-07-28 maps
// a call's protocol errors to HTTP statuses (400 for invalid params or a
// missing client capability, 404 for an unknown method), which only a
// response whose headers have not gone out can carry; a call that answers
// within the grace gets its status, and a long one still gets headers
// before a client's header timeout (field failure 6).
const statelessHeaderGrace = time.Second

// commitAfterGrace is commitEarly for a 2026-07-28 call: it commits after
// statelessHeaderGrace (scaled) unless the handler wrote first.
func (ow *observedWriter) commitAfterGrace() {
	ow.mu.Lock()
	defer ow.mu.Unlock()
	if ow.committed || ow.finished || ow.graceTimer != nil {
		return
	}
	ow.graceTimer = time.AfterFunc(ow.e.scaled(statelessHeaderGrace), ow.commitEarly)
}
