package toxics

// NgrokFree is a tunnel profile (`mcpvcr tunnel --profile ngrok-free`).
const NgrokFree Profile = "ngrok-free"

func init() {
	RegisterProfile(NgrokFree, ProfileInfo{
		Summary: "ngrok's free tier: an HTML browser-warning page (200) instead of the server's answer unless the request sends ngrok-skip-browser-warning",
		Toxics: []Spec{
			{Type: InterstitialType, Stream: Downstream, Attrs: Attrs{"kind": "warning", "unless_header": "ngrok-skip-browser-warning"},
				Why: "field failure 34: ngrok's free-tier interstitial answers HTML 200 unless ngrok-skip-browser-warning is sent"},
		},
	})
}
