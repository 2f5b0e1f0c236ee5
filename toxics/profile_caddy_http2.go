package toxics

// CaddyHTTP2 is a tunnel profile (`mcpvcr tunnel --profile caddy-http2`).
const CaddyHTTP2 Profile = "caddy-http2"

func init() {
	RegisterProfile(CaddyHTTP2, ProfileInfo{
		Summary: "caddy-default that also speaks HTTP/2 (h2c): Go's HTTP/2 server answers a request carrying Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding or Upgrade with 400 and never forwards it (field failure 32; calibrated)",
		HTTP2:   true,
	})
}
