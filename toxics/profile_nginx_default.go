package toxics

import "time"

// NginxDefault is a tunnel profile (`mcpvcr tunnel --profile nginx-default`).
const NginxDefault Profile = "nginx-default"

const nginxRead = 60 * time.Second // field failure 12: proxy_read_timeout

func init() {
	RegisterProfile(NginxDefault, ProfileInfo{
		Summary: "nginx with default proxy_buffering: responses held 4 KiB at a time unless X-Accel-Buffering: no (removed), chunked request bodies re-framed, 60 s read timeout (504, held bytes dropped)",
		Toxics:  nginxToxics(false),
	})
}

// nginxToxics is nginx's default proxying (proxy_buffering on, 4 KiB
// buffers, HTTP/1.0 upstream), calibrated against nginx 1.22.1 by
// toxics/realproxy. proxy_read_timeout counts reads from the origin: the
// cut comes before the buffer in the chain. An HTTP/2 front (passHead)
// sends the head at once and buffers only the body.
func nginxToxics(passHead bool) []Spec {
	return []Spec{
		{Type: RequestBufferType, Stream: Upstream,
			Why: "calibrated (nginx 1.22.1): nginx reads a chunked request body whole and sends it on with Content-Length (HTTP/1.0 upstream)"},
		{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": nginxRead, "status": 504, "page": string(NginxPage)},
			Why: "field failure 12: nginx ingress 60 s gives 504 on long tool calls"},
		{Type: SSEBufferType, Stream: Downstream, Attrs: Attrs{"bytes": 4096, "unless_header": "X-Accel-Buffering: no",
			"drop_on_cut": true, "pass_head": passHead},
			Why: "field failure 4: nginx buffers by default (4 KiB, upstream head included); X-Accel-Buffering: no turns it off; a cut drops what is held"},
		{Type: HeaderStripType, Stream: Downstream, Attrs: Attrs{"names": "X-Accel-Buffering"},
			Why: "calibrated (nginx 1.22.1): nginx consumes X-Accel-Buffering: the client never sees it"},
	}
}
