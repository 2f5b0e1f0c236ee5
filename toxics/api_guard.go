package toxics

import (
	"net/http"
	"net/url"

	"github.com/mcpvcr/mcpvcr/loopback"
)

// guardAPI puts a DNS-rebinding and cross-site guard in front of the
// toxiproxy REST API. The API creates proxies to any host and changes
// toxics, and takes a POST whatever its Content-Type: without this a web
// page the user visits could POST to http://127.0.0.1:8474/proxies (a
// form needs no preflight) or, after rebinding its own name to 127.0.0.1,
// read and change everything. A request must name a loopback Host, and an
// Origin, when a browser sends one, must be loopback too (toxiproxy-cli and
// the Go client send none).
func guardAPI(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback.IsHost(r.Host) {
			http.Error(w, "Forbidden: Host "+r.Host+" is not loopback (toxiproxy API DNS-rebinding guard)", http.StatusForbidden)
			return
		}
		if o := r.Header.Get("Origin"); o != "" {
			if u, err := url.Parse(o); err != nil || !loopback.IsHost(u.Host) {
				http.Error(w, "Forbidden: Origin "+o+" is not loopback (toxiproxy API cross-site guard)", http.StatusForbidden)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}
