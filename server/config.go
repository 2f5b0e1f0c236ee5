package server

import (
	"io"
	"time"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// Config configures a Server. The zero value is usable: an in-process
// miniredis, text logs to nowhere, OAuth on, the default tools.
type Config struct {
	// Addr is the listen address, used to derive Issuer when it is empty.
	Addr string
	// Issuer is the authorization server's issuer URL, exactly as clients
	// will see it (RFC 8414). Empty means "http://" + Addr.
	Issuer string
	// RedisURL selects a real Redis ("redis://127.0.0.1:6379/0"). Empty
	// means an in-process miniredis.
	RedisURL string
	// AutoApprove grants consent without showing the consent page, only
	// to requests that are not exposed (oauth_exposure.go): New refuses it
	// for a public issuer with ErrAutoApprovePublic.
	AutoApprove bool
	// AutoApprovePublic forces AutoApprove for a public issuer and for
	// exposed requests: anyone who reaches the server gets a token. It is
	// logged as CRITICAL at start.
	AutoApprovePublic bool
	// ConsentSecret, when set, is the proof the consent page asks for on
	// an exposed server, instead of a one-time approval code (at least 16
	// characters).
	ConsentSecret string
	// TrustedRedirectHosts are redirect URI hosts (host[:port]) a
	// dynamically registered client may be auto-approved to and sent
	// errors to without a page; static clients' callbacks, Claude's and
	// loopback ones always are (see trustedRedirect).
	TrustedRedirectHosts []string
	// ApprovalOutput receives the one-time approval codes of an exposed
	// server's consent pages: the operator's terminal, never a log that is
	// shared. nil with no ConsentSecret means an exposed consent cannot be
	// approved.
	ApprovalOutput io.Writer
	// AuthOff serves /mcp without a bearer check. It exists only for the
	// conformance suite and is logged loudly.
	AuthOff bool
	// RedisKeyPrefix starts every Redis key the server writes; "" means
	// "mcpvcr:". Tests sharing one real Redis give each server its own.
	RedisKeyPrefix string
	// NoTokenCache makes the bearer check ask Redis on every request. By
	// default a token verified in the last second is accepted without
	// asking again (token_cache.go): a revocation still takes effect at
	// once, but an outage or a key changed behind the server's back (a
	// test's FastForward) shows up to a second late.
	NoTokenCache bool
	// Clients are static OAuth clients registered besides the built-in
	// public client "claude-desktop" (see oauth_clients.go).
	Clients []StaticClient

	// LogOutput receives marker lines; nil discards them.
	LogOutput io.Writer
	// LogFormat is LogText (default) or LogJSON.
	LogFormat LogFormat

	// Keepalive is the interval of SSE comments on idle streams; 0 means the
	// default of 15 s, KeepaliveOff (any negative value) turns keepalive off.
	// (On the command line --keepalive 0 means off: RegisterConfigFlags
	// maps it.)
	Keepalive time.Duration
	// TimeScale multiplies every server-side duration (keepalive, fault
	// delays, the seed's 0.1 s wait, HTTP timeouts) so tests run real
	// timeouts fast. 0 = 1. Give the tunnel in front the same scale.
	TimeScale timescale.Scale
	// Tools selects the tool set; "" means ToolsDefault.
	Tools ToolSet
	// Faults are misbehaviours to inject, named by their constants:
	// FaultsOf(FaultSeed, FaultIdleClose.For(100*time.Second)); from
	// --fault specs, ParseFaults. One file each, server/fault_NAME.go;
	// listed in docs/mcp.md. The zero value injects nothing.
	Faults Faults
	// SessionIdleTimeout closes an MCP session that has had no request
	// open for this long (scaled by TimeScale); 0 means 30 minutes, a
	// negative value never. A held listen stream keeps a session busy.
	SessionIdleTimeout time.Duration
	// ConnIdleTimeout is the server's HTTP keep-alive: how long it keeps
	// an idle HTTP/1.1 connection open for the next request
	// (http.Server.IdleTimeout; Node's keepAliveTimeout, 5 s by default),
	// scaled by TimeScale. 0 means the default of what runs the server:
	// 120 s for `mcpvcr serve` (NewHTTPServer), never for the loopback
	// kits (mcpvcrtest, servertest, the demo); negative means never.
	// Behind a load balancer it must be longer than the balancer's idle
	// timeout (ALB 60 s), or the balancer reuses a connection the server
	// has closed and answers 502 (field failure 28).
	ConnIdleTimeout time.Duration
}

// connIdleTimeout is ConnIdleTimeout scaled, or def (already scaled) when
// it is 0; negative means none (http.Server's own convention).
func (c Config) connIdleTimeout(def time.Duration) time.Duration {
	switch {
	case c.ConnIdleTimeout < 0:
		return -1
	case c.ConnIdleTimeout == 0:
		return def
	}
	return c.scaled(c.ConnIdleTimeout)
}

// sessionIdleTimeout is SessionIdleTimeout with its default, scaled.
func (c Config) sessionIdleTimeout() time.Duration {
	switch {
	case c.SessionIdleTimeout < 0:
		return 0 // go-sdk: never
	case c.SessionIdleTimeout == 0:
		return c.scaled(30 * time.Minute)
	}
	return c.scaled(c.SessionIdleTimeout)
}

// KeepaliveOff is the Config.Keepalive that sends no idle-stream comments.
const KeepaliveOff time.Duration = -1

// scaled returns d multiplied by the time scale.
func (c Config) scaled(d time.Duration) time.Duration { return c.TimeScale.Scale(d) }
