package server

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Fault names one way the MCP side of the server can misbehave on purpose,
// so a scenario can show a bug and, with the fault removed, its fix. Faults
// are given as NAME or NAME=VALUE (flag --fault, repeatable; Config.Faults).
// The whole catalog is the faultCatalog table below.
type Fault string

const (
	// FaultSeed replaces POST /mcp with the seed's FastAPI handler: it opens
	// an SSE stream, sends a priming and an endpoint event, answers the
	// JSON-RPC messages in the POST body, waits 0.1 s (scaled) and closes.
	FaultSeed Fault = "seed"
	// FaultIdleClose closes any SSE stream that has written nothing for DUR,
	// as Cloudflare cuts a quiet connection (field failure 11).
	FaultIdleClose Fault = "idle-close"
	// FaultNoKeepalive sends no SSE comments at all, not even the one right
	// after the headers (field failure 5 and 13).
	FaultNoKeepalive Fault = "no-keepalive"
	// FaultGet405 refuses the GET listen stream with 405, as servers behind
	// Quick Tunnels are told to do (field failure 2).
	FaultGet405 Fault = "get-405"
	// FaultJSONOnly answers every POST with application/json, never SSE.
	FaultJSONOnly Fault = "json-only"
	// FaultSession400 answers an unknown session with 400 instead of 404, so
	// clients do not re-initialize (field failure 17).
	FaultSession400 Fault = "session-400"
	// FaultSlowHeaders holds every MCP response's headers back for DUR
	// (field failures 6, 14).
	FaultSlowHeaders Fault = "slow-headers"
	// FaultNoAccelHeader leaves out the X-Accel-Buffering: no header the
	// server sends on SSE streams, so nginx buffers them (field failure 4).
	FaultNoAccelHeader Fault = "no-accel-header"
)

// faultSpec says whether a fault takes a duration value.
type faultSpec struct {
	takesDuration bool
	usage         string
}

var faultCatalog = map[Fault]faultSpec{
	FaultSeed:          {usage: "seed: the seed's FastAPI handler on POST /mcp (closes the stream after 0.1 s)"},
	FaultIdleClose:     {takesDuration: true, usage: "idle-close=DUR: close any SSE stream idle for DUR"},
	FaultNoKeepalive:   {usage: "no-keepalive: no SSE comments, not even after the headers"},
	FaultGet405:        {usage: "get-405: refuse the GET listen stream with 405"},
	FaultJSONOnly:      {usage: "json-only: answer POSTs with application/json, never SSE"},
	FaultSession400:    {usage: "session-400: 400 instead of 404 for an unknown session"},
	FaultSlowHeaders:   {takesDuration: true, usage: "slow-headers=DUR: hold response headers back for DUR"},
	FaultNoAccelHeader: {usage: "no-accel-header: no X-Accel-Buffering: no on SSE streams (nginx buffers them)"},
}

// ErrUnknownFault is returned by ParseFaults for a name not in the catalog.
var ErrUnknownFault = errors.New("unknown fault")

// ErrBadFaultValue is returned by ParseFaults for a missing, unexpected or
// unparsable value.
var ErrBadFaultValue = errors.New("bad fault value")

// Faults is a parsed set of faults. The zero value injects nothing.
type Faults struct {
	set       map[Fault]bool
	durations map[Fault]time.Duration
}

// Has reports whether fault f is on.
func (fs Faults) Has(f Fault) bool { return fs.set[f] }

// Duration returns the value of a duration fault (0 if it is off).
func (fs Faults) Duration(f Fault) time.Duration { return fs.durations[f] }

// String lists the faults in flag form, sorted: "idle-close=1s,seed".
func (fs Faults) String() string {
	var out []string
	for f := range fs.set {
		if d, ok := fs.durations[f]; ok {
			out = append(out, fmt.Sprintf("%s=%s", f, d))
		} else {
			out = append(out, string(f))
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// FaultUsage returns one line per fault, sorted, for --help and docs.
func FaultUsage() []string {
	var out []string
	for _, s := range faultCatalog {
		out = append(out, s.usage)
	}
	sort.Strings(out)
	return out
}

// ParseFaults parses NAME or NAME=VALUE specs. It returns an error wrapping
// ErrUnknownFault or ErrBadFaultValue that names the offending spec.
func ParseFaults(specs []string) (Faults, error) {
	fs := Faults{set: map[Fault]bool{}, durations: map[Fault]time.Duration{}}
	for _, spec := range specs {
		name, value, hasValue := strings.Cut(strings.TrimSpace(spec), "=")
		f := Fault(name)
		s, ok := faultCatalog[f]
		if !ok {
			return Faults{}, fmt.Errorf("fault %q: %w (known: %s)", spec, ErrUnknownFault, knownFaults())
		}
		switch {
		case s.takesDuration && !hasValue:
			return Faults{}, fmt.Errorf("fault %q: %w: want %s=DURATION, e.g. %s=100s", spec, ErrBadFaultValue, f, f)
		case !s.takesDuration && hasValue:
			return Faults{}, fmt.Errorf("fault %q: %w: %s takes no value", spec, ErrBadFaultValue, f)
		case s.takesDuration:
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return Faults{}, fmt.Errorf("fault %q: %w: want a positive duration like 100s", spec, ErrBadFaultValue)
			}
			fs.durations[f] = d
		}
		fs.set[f] = true
	}
	return fs, nil
}

func knownFaults() string {
	names := make([]string, 0, len(faultCatalog))
	for f := range faultCatalog {
		names = append(names, string(f))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
