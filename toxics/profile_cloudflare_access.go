package toxics

// CloudflareAccess is a tunnel profile (`mcpvcr tunnel --profile cloudflare-access`).
const CloudflareAccess Profile = "cloudflare-access"

func init() {
	RegisterProfile(CloudflareAccess, ProfileInfo{
		Summary: "Cloudflare Access in front of the server: a 302 to the login page (HTML) unless the request sends a service token (CF-Access-Client-Id)",
		Toxics: []Spec{
			{Type: InterstitialType, Stream: Downstream, Attrs: Attrs{"kind": "login", "unless_header": "CF-Access-Client-Id"},
				Why: "field failure 34: Cloudflare Access answers non-browser clients with a 302 to a login page"},
		},
	})
}
