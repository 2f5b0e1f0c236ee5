package server

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/mcpvcr/mcpvcr/loopback"
)

// checkOrigin is the DNS-rebinding guard (MCP security best practices): a
// browser page on another origin must not reach a server on loopback. It
// returns why the request is refused, or "". Allowed are loopback hosts and
// the issuer's host (what clients see through a tunnel).
func (e *mcpEndpoints) checkOrigin(r *http.Request) string {
	if !e.hostAllowed(r.Host) {
		return fmt.Sprintf("Forbidden: Host %q is neither loopback nor the issuer's host (DNS rebinding guard)", r.Host)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return "" // not a browser
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !e.hostAllowed(u.Host) {
		return fmt.Sprintf("Forbidden: Origin %q is neither loopback nor the issuer's origin (DNS rebinding guard)", origin)
	}
	return ""
}

func (e *mcpEndpoints) hostAllowed(hostport string) bool {
	if loopback.IsHost(hostport) {
		return true
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return strings.EqualFold(hostport, e.issuerHost) || strings.EqualFold(host, e.issuerHostname)
}
