package toxics

import "time"

// GCPLoadBalancer is a tunnel profile (`mcpvcr tunnel --profile gcp-load-balancer`).
const GCPLoadBalancer Profile = "gcp-load-balancer"

const gcpBackend = 30 * time.Second // GCP backend service timeout default

func init() {
	RegisterProfile(GCPLoadBalancer, ProfileInfo{
		Summary: "Google Cloud external Application Load Balancer: 30 s backend service timeout, a hard deadline keepalives do not reset (502 before headers)",
		Toxics: []Spec{
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": gcpBackend, "deadline": true, "status": 502, "page": string(GCPPage)},
				Why: "field failure 26: the backend service timeout (default 30 s, cloud.google.com/load-balancing/docs/backend-service#timeout-setting) is not an idle timeout"},
		},
	})
}
