package toxics

import "time"

// CloudRun is a tunnel profile (`mcpvcr tunnel --profile cloud-run`).
const CloudRun Profile = "cloud-run"

// cloudRunTimeout is Cloud Run's default request timeout; a service can
// raise it to 3600 s (docs.cloud.google.com/run/docs/configuring/request-timeout).
const cloudRunTimeout = 300 * time.Second

func init() {
	RegisterProfile(CloudRun, ProfileInfo{
		Summary: "Google Cloud Run: a request ends at its 300 s request timeout whatever it sends (504 before headers, a cut after); a container that dies mid-response ends the client's stream at once",
		Toxics: []Spec{
			{Type: IdleCutType, Stream: Downstream, Attrs: Attrs{"timeout": cloudRunTimeout, "deadline": true, "status": 504, "page": string(GCPPage)},
				Why: "field failure 33: Cloud Run's request timeout (default 300 s, at most 3600 s; on expiry it \"closes the network connection and returns an HTTP 504\", docs.cloud.google.com/run/docs/configuring/request-timeout); nothing documents a hold when the container dies, so its end passes through"},
		},
	})
}
