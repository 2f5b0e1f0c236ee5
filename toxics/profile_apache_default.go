package toxics

import "time"

// ApacheDefault is a tunnel profile (`mcpvcr tunnel --profile apache-default`).
const ApacheDefault Profile = "apache-default"

const apacheTimeout = 60 * time.Second // Apache's compiled-in Timeout

func init() {
	RegisterProfile(ApacheDefault, ProfileInfo{
		Summary: "Apache mod_proxy_http, compiled-in Timeout 60: SSE flows, chunked request bodies re-framed, 502 Proxy Error after 60 s",
		Toxics:  apacheToxics(apacheTimeout),
	})
}

// apacheToxics is mod_proxy_http with the given Timeout, calibrated against
// Apache 2.4 by toxics/realproxy.
func apacheToxics(timeout time.Duration) []Spec {
	return []Spec{
		{Type: RequestBufferType, Stream: Upstream,
			Why: "calibrated (Apache 2.4.71): mod_proxy_http re-sends a chunked request body with Content-Length"},
		{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": timeout, "status": 502, "page": string(ApachePage)},
			Why: "calibrated (Apache 2.4.71): Apache answers a silent origin with 502 Proxy Error after Timeout, not 504"},
	}
}
