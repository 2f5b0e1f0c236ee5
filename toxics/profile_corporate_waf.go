package toxics

// CorporateWAF is a tunnel profile (`mcpvcr tunnel --profile corporate-waf`).
const CorporateWAF Profile = "corporate-waf"

func init() {
	RegisterProfile(CorporateWAF, ProfileInfo{
		Summary: "a body-inspecting corporate proxy or WAF: request bodies read whole, every SSE response held until it ends",
		Toxics: []Spec{
			{Type: RequestBufferType, Stream: Upstream,
				Why: "field failure 30: request-body inspection reads the body whole before passing it on"},
			{Type: SSEBufferType, Stream: Downstream, Attrs: Attrs{"content_type": "text/event-stream"},
				Why: "field failure 30: inspecting proxies and WAFs (Gloo, Azure App Gateway WAF v2) hold text/event-stream until it ends"},
		},
	})
}
