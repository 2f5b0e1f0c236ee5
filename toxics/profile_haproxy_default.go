package toxics

import "time"

// HAProxyDefault is a tunnel profile (`mcpvcr tunnel --profile haproxy-default`).
const HAProxyDefault Profile = "haproxy-default"

const haproxyServer = 50 * time.Second // Debian's haproxy.cfg: timeout server 50000

func init() {
	RegisterProfile(HAProxyDefault, ProfileInfo{
		Summary: "HAProxy with Debian's timeouts: every flush delayed ~200 ms (no option http-no-delay), 50 s server timeout (504)",
		Toxics: []Spec{
			// timeout server counts reads from the origin: the cut comes
			// before the delay in the chain.
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": haproxyServer, "status": 504, "page": string(HAProxyPage)},
				Why: "calibrated (HAProxy 2.6.12): Debian's haproxy.cfg timeout server 50 s, then 504 (HTTP/1.0, ends on close)"},
			// Unscaled on purpose: the delay is the kernel's (MSG_MORE),
			// not a setting, so it is 200 ms at every time scale.
			{Type: SSEBufferType, Stream: Downstream, Attrs: Attrs{"max_hold": int64(200)},
				Why: "calibrated (HAProxy 2.6.12): HAProxy sends with MSG_MORE unless option http-no-delay: each flush waits ~200 ms"},
		},
	})
}
