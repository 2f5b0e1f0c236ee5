package toxics

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	tpclient "github.com/Shopify/toxiproxy/v2/client"
	"github.com/mcpvcr/mcpvcr/timescale"
)

// TunnelOptions configures OpenTunnel. The zero value (plus Upstream) is a
// clean tunnel on an embedded toxiproxy, listening on a free loopback port.
type TunnelOptions struct {
	// Profile names the toxics to apply; empty means Clean.
	Profile Profile
	// Upstream is the server's HOST:PORT.
	Upstream string
	// Listen is where clients connect; empty means 127.0.0.1:0.
	Listen string
	// Scale multiplies every duration of the profile and of Extra.
	Scale timescale.Scale
	// Extra toxics, applied after the profile's (see ParseSpec).
	Extra []Spec
	// ToxiproxyURL selects an external toxiproxy-server; empty means an
	// embedded one. An external server knows only toxiproxy's own toxics.
	ToxiproxyURL string
	// APIAddr is where the embedded server's REST API listens; empty means
	// 127.0.0.1:0.
	APIAddr string
	// Name is the proxy's name; empty means "mcpvcr".
	Name string
	// ConnLog, if set, gets one line per connection the embedded
	// toxiproxy accepts, and one per connection it cannot forward, with
	// the reason, and the balancer's lines (BalancerOptions.Log). Toxic
	// actions go to SetActionLog.
	ConnLog func(string)
	// BalancerIdle, when > 0, puts a load balancer's pool of keep-alive
	// connections (StartBalancer) between the toxics and Upstream, which
	// keeps an idle connection to Upstream this long before Scale (ALB:
	// 60 s). 0 means the profile's (ProfileInfo.BalancerIdle), negative
	// none even where the profile has one.
	BalancerIdle time.Duration
}

// Tunnel is a running toxiproxy proxy with a profile's toxics applied:
//
//	client > Tunnel.Addr > toxics > [Balancer: pool of keep-alive connections] > Upstream
//
// A profile whose front speaks HTTP/2 (Profile.HTTP2) puts Go's HTTP/2
// server before the toxics for the clients that speak it (h2c_front.go).
//
// The caller should call Close when finished.
type Tunnel struct {
	// Addr is the HOST:PORT clients connect to.
	Addr string
	// APIURL is the toxiproxy REST API that drives the tunnel.
	APIURL string
	// Applied lists the toxics applied, in order, with resolved attributes.
	Applied []AppliedToxic
	// Balancer is the load balancer's pool behind the toxics, nil when
	// the tunnel has none (TunnelOptions.BalancerIdle).
	Balancer *Balancer

	server *Server // nil with an external toxiproxy
	proxy  *tpclient.Proxy
	front  *h2cFront // nil unless the profile's front speaks HTTP/2
}

// AppliedToxic is a toxic as the tunnel sent it to toxiproxy.
type AppliedToxic struct {
	Spec
	Attributes map[string]any
}

func (a AppliedToxic) String() string {
	keys := make([]string, 0, len(a.Attributes))
	for k := range a.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %-10s", a.Type, a.Stream)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, a.Attributes[k])
	}
	if a.Toxicity != 0 && a.Toxicity != 1 {
		fmt.Fprintf(&b, " toxicity=%g", a.Toxicity)
	}
	if a.Why != "" {
		fmt.Fprintf(&b, "  [%s]", a.Why)
	}
	return b.String()
}

// ErrUnknownToxic is returned by OpenTunnel when the toxiproxy in use does
// not know a toxic type: an external toxiproxy-server has none of ours.
var ErrUnknownToxic = errors.New("toxiproxy does not know this toxic type")

// OpenTunnel starts (or connects to) toxiproxy, creates the proxy and
// applies the profile's toxics, then Extra.
func OpenTunnel(opts TunnelOptions) (*Tunnel, error) {
	if opts.Upstream == "" {
		return nil, errors.New("no upstream HOST:PORT")
	}
	if opts.Profile == "" {
		opts.Profile = Clean
	}
	specs, err := opts.Profile.Toxics()
	if err != nil {
		return nil, err
	}
	specs = append(specs, opts.Extra...)
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.Name == "" {
		opts.Name = "mcpvcr"
	}

	t := &Tunnel{}
	apiURL := opts.ToxiproxyURL
	if apiURL == "" {
		addr := opts.APIAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		if t.server, err = startServer(addr, connLogger(opts.ConnLog)); err != nil {
			return nil, err
		}
		apiURL = t.server.URL()
	}
	t.APIURL = apiURL
	upstream := opts.Upstream
	if idle := opts.balancerIdle(); idle > 0 {
		t.Balancer, err = StartBalancer(BalancerOptions{Upstream: opts.Upstream, IdleTimeout: idle, Scale: opts.Scale, Log: opts.ConnLog})
		if err != nil {
			t.Close()
			return nil, err
		}
		upstream = t.Balancer.Addr
	}
	client := tpclient.NewClient(apiURL)
	listen := opts.Listen
	if opts.Profile.HTTP2() {
		listen = "127.0.0.1:0" // behind the front, which takes opts.Listen
	}
	t.proxy, err = client.CreateProxy(opts.Name, listen, upstream)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("create proxy at %s: %w", apiURL, err)
	}
	t.Addr = t.proxy.Listen
	if opts.Profile.HTTP2() {
		if t.front, err = startH2CFront(opts.Listen, t.proxy.Listen); err != nil {
			t.Close()
			return nil, fmt.Errorf("HTTP/2 front: %w", err)
		}
		t.Addr = t.front.Addr()
	}

	// The response toxics learn each response's request from request_log,
	// which must be in the upstream chain before the first connection.
	hasLog := false
	for _, s := range specs {
		hasLog = hasLog || s.Type == RequestLogType
	}
	for _, s := range specs {
		if s.Type.needsRequests() && !hasLog {
			specs = append([]Spec{{Type: RequestLogType, Stream: Upstream,
				Why: "pairs each response with its request for the HTTP-aware toxics"}}, specs...)
			break
		}
	}
	used := map[string]bool{}
	for _, s := range specs {
		// Two toxics of one type and stream (a profile's and a --toxic)
		// need two names; a name given explicitly is kept as it is.
		if s.Name == "" {
			s.Name = s.name()
			for i := 2; used[s.Name]; i++ {
				s.Name = fmt.Sprintf("%s_%s_%d", s.Type, s.Stream, i)
			}
		}
		used[s.Name] = true
		attrs := s.Resolved(opts.Scale)
		toxicity := s.Toxicity
		if toxicity == 0 {
			toxicity = 1
		}
		if _, err := t.proxy.AddToxic(s.name(), string(s.Type), string(s.Stream), toxicity, attrs); err != nil {
			t.Close()
			if strings.Contains(err.Error(), "invalid toxic type") {
				return nil, fmt.Errorf("toxiproxy at %s: toxic %s: %w; the HTTP-aware toxics (%s) run in the embedded toxiproxy or in a `mcpvcr tunnel --api`", apiURL, s.Type, ErrUnknownToxic, customIn(specs))
			}
			return nil, fmt.Errorf("add toxic %s: %w", s.name(), err)
		}
		t.Applied = append(t.Applied, AppliedToxic{Spec: s, Attributes: attrs})
	}
	return t, nil
}

// balancerIdle is the idle timeout of the tunnel's balancer, before the
// time scale: BalancerIdle, else the profile's; 0 means no balancer.
func (o TunnelOptions) balancerIdle() time.Duration {
	switch {
	case o.BalancerIdle < 0:
		return 0
	case o.BalancerIdle > 0:
		return o.BalancerIdle
	}
	return profiles[o.Profile].BalancerIdle
}

// customIn names the HTTP-aware toxics among specs.
func customIn(specs []Spec) string {
	var names []string
	for _, s := range specs {
		if s.Type.Custom() {
			names = append(names, string(s.Type))
		}
	}
	return strings.Join(names, ", ")
}

// Close deletes the proxy (closing its connections), stops an embedded
// toxiproxy and the balancer.
func (t *Tunnel) Close() error {
	var err error
	if t.front != nil {
		err = t.front.close()
		t.front = nil
	}
	if t.proxy != nil {
		if perr := t.proxy.Delete(); err == nil {
			err = perr
		}
		t.proxy = nil
	}
	if t.server != nil {
		if serr := t.server.Close(); err == nil {
			err = serr
		}
		t.server = nil
	}
	if t.Balancer != nil {
		if berr := t.Balancer.Close(); err == nil {
			err = berr
		}
		t.Balancer = nil
	}
	return err
}

// ParseSpec reads a `--toxic` value: TYPE[:key=value,...]. The keys name,
// stream (upstream|downstream; default: the toxic's DefaultStream) and toxicity set the
// toxic itself; the rest are attributes. A value with a unit ("100s",
// "250ms") is a duration and is scaled; an integer is sent as it is.
func ParseSpec(v string) (Spec, error) {
	typ, rest, _ := strings.Cut(v, ":")
	s := Spec{Type: ToxicType(strings.TrimSpace(typ)), Attrs: Attrs{}}
	s.Stream = s.Type.DefaultStream()
	if s.Type == "" {
		return Spec{}, fmt.Errorf("toxic %q: want TYPE[:key=value,...]", v)
	}
	if known := ToxicTypes(); !slices.Contains(known, s.Type) {
		names := make([]string, len(known))
		for i, k := range known {
			names[i] = string(k)
		}
		return Spec{}, fmt.Errorf("toxic %q: unknown type %q (known: %s)", v, s.Type, strings.Join(names, ", "))
	}
	if rest == "" {
		return s, nil
	}
	// A segment without "=" continues the previous value, so lists work:
	// sse_buffer:methods=GET,POST,bytes=8192.
	var parts []string
	for _, seg := range strings.Split(rest, ",") {
		if !strings.Contains(seg, "=") && len(parts) > 0 {
			parts[len(parts)-1] += "," + seg
			continue
		}
		parts = append(parts, seg)
	}
	for _, kv := range parts {
		k, val, ok := strings.Cut(kv, "=")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		if !ok || k == "" {
			return Spec{}, fmt.Errorf("toxic %q: %q is not key=value", v, kv)
		}
		switch k {
		case "name":
			s.Name = val
		case "stream":
			if val != string(Upstream) && val != string(Downstream) {
				return Spec{}, fmt.Errorf("toxic %q: stream %q: want upstream or downstream", v, val)
			}
			s.Stream = Direction(val)
		case "toxicity":
			f, err := strconv.ParseFloat(val, 32)
			if err != nil || f < 0 || f > 1 {
				return Spec{}, fmt.Errorf("toxic %q: toxicity %q: want 0..1", v, val)
			}
			s.Toxicity = float32(f)
		default:
			if n, err := strconv.ParseInt(val, 10, 64); err == nil {
				s.Attrs[k] = n
			} else if d, err := time.ParseDuration(val); err == nil {
				s.Attrs[k] = d
			} else {
				s.Attrs[k] = val
			}
		}
	}
	return s, nil
}
