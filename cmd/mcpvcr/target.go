package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"
)

// targetDialTimeout bounds checkTarget: a server that does not accept a
// TCP connection in this long is reported, instead of a replay that waits
// out every interaction's grace in silence.
const targetDialTimeout = 3 * time.Second

// checkTarget fails fast, with a message, when target is not an http(s)
// URL or nothing accepts connections there. replay and check call it
// before they start.
func checkTarget(ctx context.Context, target string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--target %q: want http://host:port or https://host", target)
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	ctx, cancel := context.WithTimeout(ctx, targetDialTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", host)
	if err != nil {
		return fmt.Errorf("--target %s: cannot connect to %s within %s: %w (is the server running?)", target, host, targetDialTimeout, err)
	}
	conn.Close()
	return nil
}
