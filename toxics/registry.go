package toxics

import (
	"maps"
	"slices"

	tptoxics "github.com/Shopify/toxiproxy/v2/toxics"
)

// ToxicInfo is what the catalog knows of a toxic besides its attributes,
// given once where the toxic registers, so no switch elsewhere has to learn
// a new toxic.
type ToxicInfo struct {
	// Stream is the direction the toxic works in unless a spec says
	// otherwise: Upstream for the request toxics, else Downstream (empty
	// means Downstream, toxiproxy's default).
	Stream Direction
	// NeedsRequests: the toxic reads the connection's requests (to match
	// responses to methods), so a tunnel puts request_log upstream first.
	NeedsRequests bool
	// Attributes documents a toxiproxy toxic's attributes (its struct
	// carries no help); ours are read from their struct tags.
	Attributes []Attribute
	// Microseconds names the duration attributes sent in µs, not ms.
	Microseconds []string

	custom bool
}

func (i ToxicInfo) microseconds(attr string) bool { return slices.Contains(i.Microseconds, attr) }

var toxicInfos = map[ToxicType]ToxicInfo{}

// Register adds one of our toxics to toxiproxy's registry (so the embedded
// server, its REST API and toxiproxy-cli know it) and to the catalog. Call
// it from the toxic's file, in init:
//
//	func init() { Register(SSEBufferType, new(SSEBuffer), ToxicInfo{NeedsRequests: true}) }
//
// toxiproxy silently replaces a duplicate name; a clash here would mean two
// toxics answer to one name in the REST API, so it panics instead.
func Register(name ToxicType, t tptoxics.Toxic, info ToxicInfo) {
	if _, dup := tptoxics.ToxicRegistry[string(name)]; dup {
		panic("toxics: duplicate toxic type " + string(name))
	}
	info.custom = true
	addInfo(name, info)
	tptoxics.Register(string(name), t)
}

// registerBuiltin adds the catalog entry of one of toxiproxy's own toxics,
// which toxiproxy has registered itself.
func registerBuiltin(name ToxicType, info ToxicInfo) {
	if _, ok := tptoxics.ToxicRegistry[string(name)]; !ok {
		panic("toxics: toxiproxy has no toxic " + string(name))
	}
	addInfo(name, info)
}

func addInfo(name ToxicType, info ToxicInfo) {
	if _, dup := toxicInfos[name]; dup {
		panic("toxics: duplicate toxic type " + string(name))
	}
	if info.Stream == "" {
		info.Stream = Downstream
	}
	toxicInfos[name] = info
}

func toxicInfo(t ToxicType) ToxicInfo { return toxicInfos[t] }

// ToxicTypes returns every registered toxic type, ours and toxiproxy's,
// sorted.
func ToxicTypes() []ToxicType {
	return slices.Sorted(maps.Keys(toxicInfos))
}

// Custom reports whether t is one of ours, which only the embedded server
// (or `mcpvcr tunnel --api`) runs.
func (t ToxicType) Custom() bool { return toxicInfo(t).custom }

// needsRequests reports whether a toxic reads the connection's requests, so
// a tunnel must put request_log upstream first.
func (t ToxicType) needsRequests() bool { return toxicInfo(t).NeedsRequests }

// DefaultStream is the direction a toxic works in unless told otherwise.
func (t ToxicType) DefaultStream() Direction {
	if info, ok := toxicInfos[t]; ok {
		return info.Stream
	}
	return Downstream
}
