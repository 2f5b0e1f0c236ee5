package toxics

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Profile names a tunnel: a list of toxics that reproduces one real path
// between a client and a server. Each profile is one file,
// profile_NAME.go, that declares its name and registers it:
//
//	const AWSALB Profile = "aws-alb"
//
//	func init() {
//		RegisterProfile(AWSALB, ProfileInfo{Summary: "...", Toxics: []Spec{...}})
//	}
type Profile string

// ProfileInfo is a profile's catalog entry.
type ProfileInfo struct {
	// Summary describes the path in one line (`mcpvcr tunnel --list`).
	Summary string
	// Toxics are the profile's toxics in chain order; each cites the field
	// failure (docs/field-failures.md), calibration or document it comes
	// from in its Why.
	Toxics []Spec
	// HTTP2: clients may speak HTTP/2 to the tunnel too (h2c, prior
	// knowledge), through Go's own HTTP/2 server, as to a Go front (Caddy);
	// HTTP/1.1 connections reach the toxics as without it. Set it only for
	// a front whose HTTP/2 side was measured to match Go's.
	HTTP2 bool
	// BalancerIdle, when > 0, puts a load balancer's pool of keep-alive
	// connections behind the toxics, idle this long before the time scale
	// (TunnelOptions.BalancerIdle, StartBalancer).
	BalancerIdle time.Duration
}

var profiles = map[Profile]ProfileInfo{}

// RegisterProfile adds a profile to the catalog. Call it from an init
// function, one file per profile. Registering a name twice panics.
func RegisterProfile(p Profile, info ProfileInfo) {
	if _, dup := profiles[p]; dup {
		panic("toxics: duplicate profile " + string(p))
	}
	profiles[p] = info
}

// Profiles returns the profile names, sorted.
func Profiles() []Profile {
	return slices.Sorted(maps.Keys(profiles))
}

// Summary describes a profile in one line.
func (p Profile) Summary() string { return profiles[p].Summary }

// HTTP2 reports whether clients may speak HTTP/2 (h2c, prior knowledge) to
// the profile's tunnel (ProfileInfo.HTTP2).
func (p Profile) HTTP2() bool { return profiles[p].HTTP2 }

// BalancerIdle is the idle timeout of the profile's load balancer pool,
// before the time scale; 0 means it has none.
func (p Profile) BalancerIdle() time.Duration { return profiles[p].BalancerIdle }

// Toxics returns a profile's toxics, or an error naming the known profiles.
func (p Profile) Toxics() ([]Spec, error) {
	info, ok := profiles[p]
	if !ok {
		return nil, fmt.Errorf("unknown profile %q (known: %v)", p, Profiles())
	}
	return append([]Spec(nil), info.Toxics...), nil
}
