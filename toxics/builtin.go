package toxics

// toxiproxy's own toxics (v2.12.0), which an external toxiproxy-server also
// has. toxiproxy registers them; their catalog entries document the
// attributes for `mcpvcr tunnel --list` (their structs carry no help).
const (
	LatencyType   ToxicType = "latency"
	BandwidthType ToxicType = "bandwidth"
	SlowCloseType ToxicType = "slow_close"
	TimeoutType   ToxicType = "timeout"
	ResetPeerType ToxicType = "reset_peer"
	SlicerType    ToxicType = "slicer"
	LimitDataType ToxicType = "limit_data"
	NoopType      ToxicType = "noop"
)

func init() {
	registerBuiltin(LatencyType, ToxicInfo{Attributes: numbers("latency", "ms added to each chunk", "jitter", "ms, +/- random")})
	registerBuiltin(BandwidthType, ToxicInfo{Attributes: numbers("rate", "KB/s")})
	registerBuiltin(SlowCloseType, ToxicInfo{Attributes: numbers("delay", "ms before the close is passed on")})
	registerBuiltin(TimeoutType, ToxicInfo{Attributes: numbers("timeout", "ms; stop all data, close after this (0 = never close)")})
	registerBuiltin(ResetPeerType, ToxicInfo{Attributes: numbers("timeout", "ms after the first byte, reset the connection (TCP RST)")})
	registerBuiltin(SlicerType, ToxicInfo{Attributes: numbers("average_size", "bytes", "size_variation", "bytes", "delay", "µs between slices"),
		Microseconds: []string{"delay"}})
	registerBuiltin(LimitDataType, ToxicInfo{Attributes: numbers("bytes", "close after this many bytes")})
	registerBuiltin(NoopType, ToxicInfo{})
}

// numbers lists numeric attributes as name, help pairs.
func numbers(nameHelp ...string) []Attribute {
	var out []Attribute
	for i := 0; i+1 < len(nameHelp); i += 2 {
		out = append(out, Attribute{Name: nameHelp[i], Kind: "number", Help: nameHelp[i+1]})
	}
	return out
}
