// Package loopback tells whether a host names this machine. The OAuth
// server (is it exposed?) and the embedded toxiproxy's API guard (DNS
// rebinding) ask the same question of a Host header or a URL:
//
//	loopback.IsHost("127.0.0.1:8474")            // true
//	loopback.IsHost("[::1]:80")                  // true
//	loopback.IsHost("example.trycloudflare.com") // false
package loopback

import (
	"fmt"
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

// FreeAddr returns a 127.0.0.1:PORT address nothing listens on right now,
// for a child process that takes its address as a flag. Another process
// may bind it first: where a listener can be passed instead, pass one.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
