package toxics

import "time"

// Vercel is a tunnel profile (`mcpvcr tunnel --profile vercel`).
const Vercel Profile = "vercel"

const vercelMax = 300 * time.Second // Vercel Functions' default max duration

func init() {
	RegisterProfile(Vercel, ProfileInfo{
		Summary: "Vercel Functions: a response ends at the 300 s max duration whatever it sends (504 FUNCTION_INVOCATION_TIMEOUT before headers)",
		Toxics: []Spec{
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": vercelMax, "deadline": true, "status": 504, "page": string(VercelPage)},
				Why: "field failure 24: Vercel ends long streams at its max duration (vercel.com/docs/functions/limitations, 300 s)"},
		},
	})
}
