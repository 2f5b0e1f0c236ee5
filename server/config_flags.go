package server

import (
	"flag"
	"fmt"
	"strings"

	"github.com/mcpvcr/mcpvcr/timescale"
)

// ConfigFlags binds the flags of `mcpvcr serve` to a Config, so that the CLI
// and the scenario runner (scenarios/) accept the same flag names with the
// same meaning. Register them with RegisterConfigFlags, parse the FlagSet,
// then call Apply.
type ConfigFlags struct {
	cfg         *Config
	logFormat   string
	auth        string
	clientsFile string
	faults      stringsFlag // --fault specs, parsed by Apply
}

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (l *stringsFlag) String() string     { return strings.Join(*l, ",") }
func (l *stringsFlag) Set(v string) error { *l = append(*l, v); return nil }

// RegisterConfigFlags registers the server's flags on fs. Each flag's
// default is the current value of the matching field of cfg, so callers
// set their defaults in cfg first (serve listens on 127.0.0.1:8080 with a
// 15 s keepalive; a scenario listens on a free port with its time scale).
// --keepalive 0 means off, as on the command line (Apply maps it).
func RegisterConfigFlags(fs *flag.FlagSet, cfg *Config) *ConfigFlags {
	f := &ConfigFlags{cfg: cfg, logFormat: string(cfg.LogFormat), auth: "on"}
	if f.logFormat == "" {
		f.logFormat = string(LogText)
	}
	if cfg.AuthOff {
		f.auth = "off"
	}
	if cfg.TimeScale == 0 {
		cfg.TimeScale = 1
	}
	if cfg.Tools == "" {
		cfg.Tools = ToolsDefault
	}
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address")
	fs.StringVar(&cfg.Issuer, "issuer", cfg.Issuer, "issuer URL clients see (default http://ADDR)")
	fs.StringVar(&cfg.RedisURL, "redis", cfg.RedisURL, "Redis URL, e.g. redis://127.0.0.1:6379/0 (empty = in-process miniredis)")
	fs.BoolVar(&cfg.AutoApprove, "auto-approve", cfg.AutoApprove, "grant consent without showing the consent page (loopback only, see --auto-approve-public)")
	fs.BoolVar(&cfg.AutoApprovePublic, "auto-approve-public", cfg.AutoApprovePublic, "DANGEROUS: with --auto-approve, also grant tokens to anyone who reaches a public issuer or tunnel")
	fs.Var((*stringsFlag)(&cfg.TrustedRedirectHosts), "trusted-redirect-host", "a registered client's redirect host (host[:port]) that --auto-approve and error redirects may use (repeatable; Claude's and loopback callbacks always may)")
	fs.StringVar(&cfg.ConsentSecret, "consent-secret", cfg.ConsentSecret, "on an exposed server, the consent page asks for this secret instead of a one-time code printed on stderr (default $MCPVCR_CONSENT_SECRET)")
	fs.StringVar(&f.clientsFile, "clients", "", "JSON file of static OAuth clients, besides the built-in public client claude-desktop (see docs/oauth.md)")
	fs.StringVar(&f.logFormat, "log-format", f.logFormat, "marker log format: text or json")
	fs.StringVar(&f.auth, "auth", f.auth, "bearer check on /mcp: on, or off (only for the conformance suite)")
	fs.DurationVar(&cfg.SessionIdleTimeout, "session-timeout", cfg.SessionIdleTimeout, "close an MCP session with no request open for this long (0 = 30m, negative = never; scaled by --timescale)")
	fs.DurationVar(&cfg.ConnIdleTimeout, "conn-idle-timeout", cfg.ConnIdleTimeout, "HTTP keep-alive: close a connection idle between requests after this long (0 = 120s for serve, never in the test kits; negative = never; scaled by --timescale); behind a load balancer make it longer than the balancer's idle timeout (ALB 60s, field failure 28)")
	fs.DurationVar(&cfg.Keepalive, "keepalive", cfg.Keepalive, "SSE comment interval on idle streams (0 = off; scaled by --timescale)")
	fs.Var(&cfg.TimeScale, "timescale", "multiply every server-side duration by this factor"+defaultOne(cfg.TimeScale))
	fs.StringVar((*string)(&cfg.Tools), "tools", string(cfg.Tools), "tool set: default or conformance")
	fs.Var(&f.faults, "fault", "inject a server fault NAME[=VALUE] (repeatable; DURs scaled by --timescale):\n  "+strings.Join(FaultUsage(), "\n  "))
	return f
}

// Apply checks the parsed values and writes them into the Config. Its
// errors name the flag, as the user typed it.
func (f *ConfigFlags) Apply() error {
	cfg := f.cfg
	switch f.logFormat {
	case string(LogText), string(LogJSON):
		cfg.LogFormat = LogFormat(f.logFormat)
	default:
		return fmt.Errorf("--log-format %q: want text or json", f.logFormat)
	}
	switch f.auth {
	case "on":
		cfg.AuthOff = false
	case "off":
		cfg.AuthOff = true
	default:
		return fmt.Errorf("--auth %q: want on or off", f.auth)
	}
	if cfg.Keepalive == 0 {
		cfg.Keepalive = KeepaliveOff // flag 0 means off; Config 0 means default
	}
	faults, err := ParseFaults(f.faults)
	if err != nil {
		return fmt.Errorf("--fault: %w", err)
	}
	cfg.Faults = faults
	if f.clientsFile != "" {
		clients, err := LoadStaticClients(f.clientsFile)
		if err != nil {
			return fmt.Errorf("--clients: %w", err)
		}
		cfg.Clients = clients
	}
	return nil
}

// defaultOne is the "(default 1)" the flag package leaves out for a time
// scale of 1: it prints as the zero value does.
func defaultOne(s timescale.Scale) string {
	if s.Factor() == 1 {
		return " (default 1)"
	}
	return ""
}
