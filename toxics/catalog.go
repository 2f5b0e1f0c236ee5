package toxics

import (
	"time"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// ToxicType names a toxic as toxiproxy's REST API and CLI know it. Each
// toxic registers itself (registry.go): ours one file each, toxiproxy's
// own in builtin.go.
type ToxicType string

// Direction is toxiproxy's stream name for a direction.
type Direction string

const (
	// Upstream is client to server.
	Upstream Direction = "upstream"
	// Downstream is server to client.
	Downstream Direction = "downstream"
)

// Attrs are a toxic's attributes. A time.Duration value is a duration the
// time scale multiplies; it is sent in the toxic's unit (ms, or µs for the
// slicer's delay). Other values are sent as they are.
type Attrs map[string]any

// Spec is one toxic as a profile or `--toxic` asks for it.
type Spec struct {
	// Name is the toxic's name in the proxy; empty means TYPE_STREAM.
	Name   string
	Type   ToxicType
	Stream Direction
	// Toxicity is the share of connections it applies to; 0 means 1.
	Toxicity float32
	Attrs    Attrs
	// Why cites the field failure it reproduces.
	Why string
}

// name returns the toxic's name in the proxy.
func (s Spec) name() string {
	if s.Name != "" {
		return s.Name
	}
	return string(s.Type) + "_" + string(s.Stream)
}

// Resolved returns the attributes as sent to toxiproxy, durations scaled.
func (s Spec) Resolved(scale timescale.Scale) map[string]any {
	out := make(map[string]any, len(s.Attrs))
	for k, v := range s.Attrs {
		if d, ok := v.(time.Duration); ok {
			if toxicInfo(s.Type).microseconds(k) {
				v = int64(scale.Scale(d) / time.Microsecond)
			} else {
				v = scale.Millis(d)
			}
		}
		out[k] = v
	}
	return out
}
