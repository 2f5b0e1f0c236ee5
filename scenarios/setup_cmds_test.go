package scenarios

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/mcpvcr/mcpvcr/server"
	"github.com/mcpvcr/mcpvcr/timescale"
	"github.com/mcpvcr/mcpvcr/toxics"
	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	register(command{
		usage:   "timescale F",
		summary: "multiply every duration of the scenario (server, tunnel, waits, assertions) by F; give it first",
		run:     cmdTimescale,
	})
}

func cmdTimescale(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("timescale")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	f, err := timescale.Parse(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w, e.g. 0.002 (Cloudflare's 100 s idle cut as 200 ms)", err)
	}
	w.mu.Lock()
	started := len(w.servers) + len(w.tunnels)
	w.mu.Unlock()
	if started > 0 {
		return errors.New("timescale: give it before the first server or tunnel")
	}
	w.scale = f
	return nil
}

// serverConfig parses serve flags with the scenario's defaults: a free
// port, auto-approve on, the scenario's time scale, the 15 s keepalive, an
// in-process miniredis unless --redis is given.
// It returns the value of -name (server) or -of (replica) too.
func (w *world) serverConfig(name string, args []string) (server.Config, string, error) {
	fs := flags(name)
	cfg := server.Config{AutoApprove: true, Keepalive: 15 * time.Second, TimeScale: w.scale}
	sf := server.RegisterConfigFlags(fs, &cfg)
	var other string
	switch name {
	case "server":
		fs.StringVar(&other, "name", "a", "server name")
	case "replica":
		fs.StringVar(&other, "of", "a", "the server whose Redis it shares")
	}
	if err := parse(fs, args, 0, 0); err != nil {
		return cfg, "", err
	}
	if err := sf.Apply(); err != nil {
		return cfg, "", fmt.Errorf("%s: %w", name, err)
	}
	return cfg, other, nil
}

func init() {
	register(command{
		usage:   "server [-name NAME] [serve flags]",
		summary: "start an mcpvcr server (flags as `mcpvcr serve`: --fault, --keepalive, ...; --auto-approve and --timescale default to on and the scenario's)",
		run:     cmdServer,
	})
}

func cmdServer(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	cfg, name, err := w.serverConfig("server", args)
	if err != nil {
		return err
	}
	s, err := w.startServer(name, cfg, nil)
	if err != nil {
		return err
	}
	ts.Logf("server %s at %s (timescale %g, faults %v)", name, s.url, s.cfg.TimeScale, s.cfg.Faults)
	return nil
}

func init() {
	register(command{
		usage:   "replica NAME [-of SERVER] [serve flags]",
		summary: "start a second server sharing SERVER's Redis (tokens valid on both; MCP sessions live in each process)",
		run:     cmdReplica,
	})
}

func cmdReplica(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return fmt.Errorf("replica: want a NAME first\nusage: %s", commands["replica"].usage)
	}
	name := args[0]
	cfg, of, err := w.serverConfig("replica", args[1:])
	if err != nil {
		return err
	}
	first, err := w.server(of)
	if err != nil {
		return err
	}
	s, err := w.startServer(name, cfg, first)
	if err != nil {
		return err
	}
	ts.Logf("replica %s of %s at %s", name, of, s.url)
	return nil
}

func init() {
	register(command{
		usage:   "tunnel [-name NAME] [-to SERVER | -upstream HOST:PORT] [-profile P] [-toxic TYPE:k=v,...]... [-scale F]",
		summary: "open a toxics tunnel in front of SERVER (default a), or of a process the script starts at HOST:PORT (see free-addr), with a profile and/or toxics; -scale defaults to the scenario's",
		run:     cmdTunnel,
	})
}

func cmdTunnel(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("tunnel")
	name := fs.String("name", "t", "tunnel name")
	to := fs.String("to", "a", "the server behind it")
	upstream := fs.String("upstream", "", "a loopback HOST:PORT behind it instead of a server (a process the script runs)")
	profile := fs.String("profile", string(toxics.Clean), "tunnel profile (mcpvcr tunnel --list)")
	var scale timescale.Scale
	fs.Var(&scale, "scale", "time scale of the toxics (default: the scenario's)")
	var specs stringList
	fs.Var(&specs, "toxic", "extra toxic TYPE[:key=value,...] (repeatable)")
	if err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	addr := *upstream
	if addr == "" {
		s, err := w.server(*to)
		if err != nil {
			return err
		}
		addr = s.cfg.Addr
	}
	opts := toxics.TunnelOptions{Profile: toxics.Profile(*profile), Upstream: addr, Scale: w.scale}
	if scale > 0 {
		opts.Scale = scale
	}
	for _, v := range specs {
		spec, err := toxics.ParseSpec(v)
		if err != nil {
			return fmt.Errorf("tunnel -toxic: %w", err)
		}
		opts.Extra = append(opts.Extra, spec)
	}
	t, err := w.startTunnel(*name, opts)
	if err != nil {
		return err
	}
	for _, a := range t.tunnel.Applied {
		ts.Logf("tunnel %s: %s", *name, a)
	}
	return nil
}

func init() {
	register(command{
		usage:   "redis [-server NAME] stop | start | fast-forward D",
		summary: "stop or restart the server's in-process Redis, or move its clock (token expiry); D is not scaled",
		run:     cmdRedis,
	})
}

func cmdRedis(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("redis")
	name := fs.String("server", "a", "the server whose Redis to act on")
	if err := parse(fs, args, 1, 2); err != nil {
		return err
	}
	s, err := w.server(*name)
	if err != nil {
		return err
	}
	if s.mini == nil {
		return fmt.Errorf("redis %s: server %s runs on a real Redis (%s); only its in-process miniredis can be stopped or fast-forwarded", fs.Arg(0), s.name, s.cfg.RedisURL)
	}
	switch fs.Arg(0) {
	case "stop":
		s.mini.Close()
	case "start":
		if err := s.mini.Restart(); err != nil {
			return fmt.Errorf("redis start: %w", err)
		}
	case "fast-forward":
		d, err := time.ParseDuration(fs.Arg(1))
		if err != nil {
			return fmt.Errorf("redis fast-forward %q: want a duration like 3601s", fs.Arg(1))
		}
		s.mini.FastForward(d)
		// Keys that expire by the jump do so behind the servers' backs:
		// every server on this Redis forgets the tokens it had verified.
		w.mu.Lock()
		for _, other := range w.servers {
			if other.mini == s.mini {
				other.srv.FlushTokenCache()
			}
		}
		w.mu.Unlock()
	default:
		return fmt.Errorf("redis %q: want stop, start or fast-forward D\nusage: %s", fs.Arg(0), commands["redis"].usage)
	}
	return nil
}

func init() {
	register(command{
		usage:   "free-addr VAR",
		summary: "set $VAR to a free loopback HOST:PORT, for a process the script starts to listen on (and `tunnel -upstream $VAR` to reach)",
		run:     cmdFreeAddr,
	})
}

func cmdFreeAddr(w *world, ts *testscript.TestScript, neg bool, args []string) error {
	fs := flags("free-addr")
	if err := parse(fs, args, 1, 1); err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("free-addr: %w", err)
	}
	addr := l.Addr().String()
	l.Close() // the process the script starts listens here next
	ts.Setenv(fs.Arg(0), addr)
	return nil
}
