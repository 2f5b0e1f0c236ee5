package toxics

// CaddyDefault is a tunnel profile (`mcpvcr tunnel --profile caddy-default`).
const CaddyDefault Profile = "caddy-default"

func init() {
	RegisterProfile(CaddyDefault, ProfileInfo{
		Summary: "Caddy reverse_proxy with its defaults: no toxics, like clean (calibrated: SSE immediate, no cut, chunked passed on)",
	})
}
