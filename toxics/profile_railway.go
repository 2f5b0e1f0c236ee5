package toxics

import "time"

// Railway is a tunnel profile (`mcpvcr tunnel --profile railway`).
const Railway Profile = "railway"

const railwayIdle = 300 * time.Second // Railway's idle HTTP/2 CANCEL

func init() {
	RegisterProfile(Railway, ProfileInfo{
		Summary: "Railway's edge: a stream without a byte for 300 s is cancelled (the client sees a reset stream)",
		Toxics: []Spec{
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": railwayIdle, "status": -1},
				Why: "field failure 25: Railway sends an HTTP/2 CANCEL after 300 s idle; keepalive bytes fix it"},
		},
	})
}
