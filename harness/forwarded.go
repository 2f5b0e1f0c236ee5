package harness

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// A tunnel in front of the recorder (cloudflared, ngrok, a load balancer)
// terminates TLS and forwards plain HTTP: the recorder sees
// "http://127.0.0.1:8090" on the wire while the client and the server both
// speak of "https://NAME.trycloudflare.com". The client-facing origin is
// what a recording must keep, since it is what appears in resource=,
// redirect URIs and the discovery documents, and what the replayer swaps
// for the target's. This file works it out from what the tunnel says.

// clientOrigin returns the scheme://host the client addressed, and whether
// it came from a tunnel (publicURL or forwarding headers) rather than from
// the connection itself. publicURL, when set, wins: a tunnel that says
// nothing, or says it wrong, is overridden by the user. Then RFC 7239
// Forwarded (its first element, the one nearest the client), then
// X-Forwarded-Proto / X-Forwarded-Host (first value each), then req.TLS and
// req.Host. A forwarded value that is not a plain scheme or host is ignored.
func clientOrigin(req *http.Request, publicURL string) (origin string, viaTunnel bool) {
	if publicURL != "" {
		return publicURL, true
	}
	scheme, host := "http", req.Host
	if req.TLS != nil {
		scheme = "https"
	}
	proto, fhost := forwardedFirst(req.Header.Get("Forwarded"))
	if proto == "" {
		proto = firstValue(req.Header.Get("X-Forwarded-Proto"))
	}
	if fhost == "" {
		fhost = firstValue(req.Header.Get("X-Forwarded-Host"))
	}
	proto = strings.ToLower(proto)
	if proto == "http" || proto == "https" {
		scheme, viaTunnel = proto, true
	}
	if plainHost(fhost) {
		host, viaTunnel = fhost, true
	}
	return scheme + "://" + host, viaTunnel
}

// forwardedFirst returns proto= and host= of the first element of an RFC
// 7239 Forwarded header ("for=192.0.2.60;proto=https;host=a.example, for=...").
func forwardedFirst(h string) (proto, host string) {
	first, _, _ := strings.Cut(h, ",")
	for _, pair := range strings.Split(first, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "proto":
			proto = v
		case "host":
			host = v
		}
	}
	return proto, host
}

// firstValue is the first of a comma-separated list: the value the
// outermost proxy, nearest the client, set.
func firstValue(h string) string {
	v, _, _ := strings.Cut(h, ",")
	return strings.TrimSpace(v)
}

// plainHost reports whether h is a host[:port] and nothing more, so a
// forwarded header cannot smuggle a path or userinfo into the origin.
func plainHost(h string) bool {
	if h == "" || strings.ContainsAny(h, "/?#@ \t\\") {
		return false
	}
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h
}

// parseOrigin checks a --public-url or --upstream-origin value and returns
// its origin.
func parseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !plainHost(u.Host) || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return "", fmt.Errorf("%q: want an origin, scheme://host[:port] without a path", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

// tunnelHeaders are request headers a tunnel or proxy adds. They hold the
// client's IP address (X-Forwarded-For, Cf-Connecting-Ip, True-Client-Ip),
// its country, per-request ids (Cf-Ray, X-Amzn-Trace-Id) and, for
// Cloudflare Access, the user's identity (Cf-Access-Jwt-Assertion,
// Cf-Access-Authenticated-User-Email). The recorder forwards them to the
// upstream unchanged (a server behind a tunnel may rely on them) but drops
// them from the recording: they would identify the user, and replayed to a
// fresh local server they would describe a tunnel that is not there.
// Headers starting with tunnelHeaderPrefixes are dropped too.
var tunnelHeaders = map[string]bool{
	"Forwarded": true, "Via": true, "Cdn-Loop": true,
	"X-Real-Ip": true, "True-Client-Ip": true, "X-Client-Ip": true, "X-Original-Forwarded-For": true,
	"X-Amzn-Trace-Id": true, "X-Cloud-Trace-Context": true, "Traceparent": true, "Tracestate": true,
}

var tunnelHeaderPrefixes = []string{"X-Forwarded-", "Cf-", "Ngrok-", "X-Envoy-"}

// isTunnelHeader reports whether a request header was added by a tunnel.
func isTunnelHeader(name string) bool {
	name = http.CanonicalHeaderKey(name)
	if tunnelHeaders[name] {
		return true
	}
	for _, p := range tunnelHeaderPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// dropTunnelHeaders deletes tunnel-added headers from h and returns their
// names.
func dropTunnelHeaders(h http.Header) []string {
	var names []string
	for k := range h {
		if isTunnelHeader(k) {
			names = append(names, http.CanonicalHeaderKey(k))
			delete(h, k)
		}
	}
	return names
}
