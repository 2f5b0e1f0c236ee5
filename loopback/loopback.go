// Package loopback tells whether a host names this machine. The OAuth
// server (is it exposed?) and the embedded toxiproxy's API guard (DNS
// rebinding) ask the same question of a Host header or a URL:
//
//	loopback.IsHost("127.0.0.1:8474")            // true
//	loopback.IsHost("[::1]:80")                  // true
//	loopback.IsHost("example.trycloudflare.com") // false
package loopback

import (
	"net"
	"strings"
)

// IsHost reports whether hostport (host, host:port, [v6]:port) names this
// machine: localhost or a loopback IP.
func IsHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
