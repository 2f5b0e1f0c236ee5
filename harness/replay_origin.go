package harness

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrOffOrigin is returned by Replay, before any request is sent, when a
// recorded URL could make a replayed request leave the target's origin.
// A cassette is untrusted input (it comes with a bug report), and every
// replayed request carries live secrets: access and refresh tokens, the
// Authorization header, the session id.
var ErrOffOrigin = errors.New("recorded URL leaves the target's origin")

// confineToOrigin checks every recorded URL before the replay starts. The
// replayer builds a live URL as the origin it talks to followed by the
// recorded path and query, so a path that does not start with "/" would
// become part of the authority:
//
//	http://target + @127.0.0.1/steal  = http://target@127.0.0.1/steal (userinfo)
//	http://target + .evil.example/x   = http://target.evil.example/x
//	http://target + :9/x              = http://target:9/x
//
// An absolute URL must name the recorded origin (recOrigin, when known);
// userinfo, scheme-relative and opaque URLs are refused outright.
// Redirects cannot leave either: the replayer calls RoundTrip itself and
// never follows a Location header, it only compares it.
func confineToOrigin(c *Cassette, recOrigin string) error {
	for i, rec := range c.Interactions {
		if why := offOrigin(rec.Request.URL, recOrigin); why != "" {
			return fmt.Errorf("interaction %d: %q: %s: %w", i, rec.Request.URL, why, ErrOffOrigin)
		}
	}
	return nil
}

// offOrigin says why raw could send a request away from the origin it is
// joined to, or "" when it cannot.
func offOrigin(raw, recOrigin string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "not a URL"
	case u.User != nil:
		return "it has userinfo"
	case u.Opaque != "":
		return "it is an opaque URL"
	case u.Host != "" && u.Scheme == "":
		return "it is scheme-relative"
	case u.Scheme != "" && u.Host == "":
		return "it has a scheme but no host"
	case u.Host != "" && recOrigin != "" && !strings.EqualFold(u.Scheme+"://"+u.Host, recOrigin):
		return fmt.Sprintf("it names %s, not the recorded origin %s", u.Scheme+"://"+u.Host, recOrigin)
	}
	p := u.EscapedPath()
	if p == "" && u.Host != "" {
		return "" // http://host?x is http://host/?x
	}
	if !strings.HasPrefix(p, "/") {
		return "its path does not start with /"
	}
	return ""
}
