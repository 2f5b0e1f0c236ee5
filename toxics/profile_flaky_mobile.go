package toxics

import "time"

// FlakyMobile is a tunnel profile (`mcpvcr tunnel --profile flaky-mobile`).
const FlakyMobile Profile = "flaky-mobile"

func init() {
	RegisterProfile(FlakyMobile, ProfileInfo{
		Summary: "a phone on a bad network: latency with jitter both ways, a slow link, one connection in ten gets nothing and is reset",
		Toxics: []Spec{
			{Type: LatencyType, Stream: Downstream, Attrs: Attrs{"latency": 300 * time.Millisecond, "jitter": 200 * time.Millisecond},
				Why: "field failure 14: discovery is a latency race (Claude gives initialize ~10 s)"},
			{Type: LatencyType, Stream: Upstream, Attrs: Attrs{"latency": 100 * time.Millisecond, "jitter": 50 * time.Millisecond},
				Why: "field failure 14: latency both ways"},
			{Type: BandwidthType, Stream: Downstream, Attrs: Attrs{"rate": 256},
				Why: "field failure 14: a slow link lengthens every exchange"},
			{Type: ResetPeerType, Stream: Downstream, Toxicity: 0.1, Attrs: Attrs{"timeout": 5 * time.Second},
				Why: "field failure 15: dropped streams must be resumed (Last-Event-ID)"},
		},
	})
}
