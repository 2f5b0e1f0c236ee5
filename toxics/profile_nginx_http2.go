package toxics

// NginxHTTP2 is a tunnel profile (`mcpvcr tunnel --profile nginx-http2`).
const NginxHTTP2 Profile = "nginx-http2"

func init() {
	RegisterProfile(NginxHTTP2, ProfileInfo{
		Summary: "nginx-default behind `listen ... http2`: the head is sent at once, the body buffered as in nginx-default",
		Toxics:  nginxToxics(true),
	})
}
