package toxics

// CloudflaredQUIC is a tunnel profile (`mcpvcr tunnel --profile cloudflared-quic`).
const CloudflaredQUIC Profile = "cloudflared-quic"

func init() {
	RegisterProfile(CloudflaredQUIC, ProfileInfo{
		Summary: "cloudflared --protocol quic: POST bodies sent without Content-Length are dropped",
		Toxics: []Spec{
			{Type: BodyDropType, Stream: Upstream, Attrs: Attrs{"shape": string(ShapeEmpty), "methods": "POST", "when": "chunked"},
				Why: "field failure 7: cloudflared over QUIC dropped POST bodies without Content-Length"},
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": cloudflareIdle, "status": 524},
				Why: "field failure 11: 120 s idle cut with 524"},
		},
	})
}
