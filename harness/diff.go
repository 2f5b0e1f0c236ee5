package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Difference is one way a live response differs from the recording.
type Difference struct {
	Interaction int    `json:"interaction"`
	Request     string `json:"request"`
	// Where names the part: "status", "content-type", "header Location",
	// "body.result.tools[0].name", "event[1].data.params", "stream".
	Where  string `json:"where"`
	Detail string `json:"detail"`
	// Allowed differences are reported but do not fail the replay.
	Allowed bool `json:"allowed,omitempty"`
	// Added differences are JSON fields only the live response has: a
	// server that added a field (a newer version's metadata) has not
	// regressed, so they never fail a replay; each exchange with any gets
	// the cosmetic finding field-added.
	Added bool `json:"added,omitempty"`
}

func (d Difference) String() string {
	note := ""
	switch {
	case d.Allowed:
		note = " (allowed)"
	case d.Added:
		note = " (added)"
	}
	return fmt.Sprintf("#%d %s: %s: %s%s", d.Interaction, d.Request, d.Where, d.Detail, note)
}

// Fails reports whether the difference fails the replay.
func (d Difference) Fails() bool { return !d.Allowed && !d.Added }

// defaultIgnoredKeys are JSON keys whose values legitimately differ between
// two runs of the same server: times and registration timestamps. Their
// presence and type are still compared.
var defaultIgnoredKeys = []string{"client_id_issued_at", "client_secret_expires_at", "iat", "exp", "timestamp", "time", "date"}

// comparedHeaders are the response headers compared besides Content-Type:
// they carry what a client acts on.
var comparedHeaders = []string{"Location", "Www-Authenticate", "Mcp-Session-Id"}

// comparer compares one live response with its recording, binding
// placeholders as it goes.
type comparer struct {
	b         *bindings
	ignore    map[string]bool
	normalize func(string) string // live origins -> recorded origin
	// recorded maps the upstream origin left in recorded SSE data to
	// the recorded origin; nil leaves recorded text as it is.
	recorded func(string) string
	out      []Difference
}

func (c *comparer) diff(where, format string, args ...any) {
	c.out = append(c.out, Difference{Where: where, Detail: fmt.Sprintf(format, args...)})
}

// added notes a JSON field only the live response has (see Difference.Added).
func (c *comparer) added(where, format string, args ...any) {
	c.out = append(c.out, Difference{Where: where, Detail: fmt.Sprintf(format, args...), Added: true})
}

func (c *comparer) str(where, recorded, live string) {
	if c.recorded != nil {
		recorded = c.recorded(recorded)
	}
	for _, m := range c.b.unify(recorded, c.normalize(live)) {
		c.diff(where, "%s", m)
	}
}

func (c *comparer) status(recorded, live int) {
	if recorded != live {
		c.diff("status", "recorded %d, live %d", recorded, live)
	}
}

func (c *comparer) headers(recorded, live http.Header) {
	c.maskHeaders(live)
	if r, l := mediaType(recorded.Get("Content-Type")), mediaType(live.Get("Content-Type")); r != l {
		c.diff("content-type", "recorded %q, live %q", r, l)
	}
	for _, k := range comparedHeaders {
		r, l := recorded.Get(k), live.Get(k)
		switch {
		case r == "" && l == "":
		case r == "":
			c.diff("header "+k, "not recorded, live %q", clip(c.b.show(l)))
		case l == "":
			c.diff("header "+k, "recorded %q, missing live", r)
		default:
			c.str("header "+k, r, l)
		}
	}
}

// maskHeaders registers the live secrets in response headers (a session
// id, the code in a redirect) so that a report never prints them in full,
// even where the recording had none to bind them to.
func (c *comparer) maskHeaders(live http.Header) {
	c.b.mask(SessionID, live.Get("Mcp-Session-Id"))
	if loc, err := url.Parse(live.Get("Location")); err == nil {
		for k, vs := range loc.Query() {
			if kind, ok := paramSecrets[k]; ok {
				for _, v := range vs {
					c.b.mask(kind, v)
				}
			}
		}
	}
}

// body compares a whole (non-stream) body.
func (c *comparer) body(contentType, recorded, live string) {
	switch mt := mediaType(contentType); {
	case mt == "text/html":
		return // pages (consent, errors) carry nonces and markup that vary
	case isJSONMedia(mt) || looksJSON(recorded):
		if c.jsonText("body", recorded, live) {
			return
		}
	}
	c.str("body", strings.TrimSpace(recorded), strings.TrimSpace(live))
}

// jsonText compares two JSON documents; false if the recording is not JSON.
func (c *comparer) jsonText(where, recorded, live string) bool {
	var r, l any
	if err := unmarshalNumber(recorded, &r); err != nil {
		return false
	}
	if err := unmarshalNumber(live, &l); err != nil {
		c.diff(where, "recorded JSON, live is not JSON: %q", clip(c.b.show(live)))
		return true
	}
	walkJSON(l, func(key, s string) {
		if kind, ok := jsonSecrets[key]; ok {
			c.b.mask(kind, s)
		}
	})
	c.json(where, r, l)
	return true
}

func unmarshalNumber(s string, v *any) error {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	return d.Decode(v)
}

// json compares JSON values: same shape (object keys, array lengths, types)
// and same values, placeholders unified, ignored keys' values skipped.
func (c *comparer) json(where string, recorded, live any) {
	switch r := recorded.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			c.diff(where, "recorded an object, live %s", jsonType(live))
			return
		}
		keys := make([]string, 0, len(r)+len(l))
		for k := range r {
			keys = append(keys, k)
		}
		for k := range l {
			if _, ok := r[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			rv, rok := r[k]
			lv, lok := l[k]
			switch {
			case !lok:
				c.diff(where+"."+k, "recorded, missing live")
			case !rok:
				c.added(where+"."+k, "not recorded, live %s", clip(c.b.show(compact(lv))))
			case c.ignore[k]:
				if jsonType(rv) != jsonType(lv) {
					c.diff(where+"."+k, "recorded %s, live %s", jsonType(rv), jsonType(lv))
				}
			default:
				c.json(where+"."+k, rv, lv)
			}
		}
	case []any:
		l, ok := live.([]any)
		if !ok {
			c.diff(where, "recorded an array, live %s", jsonType(live))
			return
		}
		if len(r) != len(l) {
			c.diff(where, "recorded %d elements, live %d", len(r), len(l))
		}
		for i := range min(len(r), len(l)) {
			c.json(fmt.Sprintf("%s[%d]", where, i), r[i], l[i])
		}
	case string:
		l, ok := live.(string)
		if !ok {
			c.diff(where, "recorded a string, live %s", jsonType(live))
			return
		}
		c.str(where, r, l)
	default:
		if jsonType(recorded) != jsonType(live) {
			c.diff(where, "recorded %s, live %s", jsonType(recorded), jsonType(live))
			return
		}
		if compact(recorded) != compact(live) {
			c.diff(where, "recorded %s, live %s", compact(recorded), compact(live))
		}
	}
}

// event compares the i-th SSE event of a stream.
func (c *comparer) event(i int, recorded, live SSEEvent) {
	where := fmt.Sprintf("event[%d]", i)
	if recorded.Event != live.Event {
		c.diff(where+".event", "recorded %q, live %q", recorded.Event, live.Event)
	}
	switch {
	case recorded.HasID && !live.HasID:
		c.diff(where+".id", "recorded %q, missing live", recorded.ID)
	case !recorded.HasID && live.HasID:
		c.diff(where+".id", "not recorded, live %q", live.ID)
	case recorded.HasID:
		c.str(where+".id", recorded.ID, live.ID)
	}
	if recorded.Data == "" && live.Data == "" {
		return
	}
	if !c.jsonText(where+".data", recorded.Data, live.Data) {
		c.str(where+".data", recorded.Data, live.Data)
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func isJSONMedia(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func looksJSON(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}
