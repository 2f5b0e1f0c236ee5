package loopback

import "testing"

func TestIsHost(t *testing.T) {
	want := map[string]bool{
		"localhost":                 true,
		"LOCALHOST:8080":            true,
		"127.0.0.1":                 true,
		"127.0.0.2:80":              true,
		"[::1]:8474":                true,
		"::1":                       true,
		"":                          false,
		"0.0.0.0:80":                false,
		"192.168.1.10:80":           false,
		"localhost.example.com":     false,
		"abc.trycloudflare.com:443": false,
	}
	for hostport, w := range want {
		if got := IsHost(hostport); got != w {
			t.Errorf("IsHost(%q) = %v, want %v", hostport, got, w)
		}
	}
}
