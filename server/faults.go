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
// Each fault is one file, fault_NAME.go, registering its catalog entry.
type Fault string

// faultInfo is a fault's catalog entry: whether it takes a duration, and
// its --help line.
type faultInfo struct {
	takesDuration bool
	usage         string
}

var faultCatalog = map[Fault]faultInfo{}

// registerFault adds a fault to the catalog; each fault is one file,
// fault_NAME.go, that declares it and registers it in init. Registering a
// name twice panics.
func registerFault(f Fault, info faultInfo) {
	if _, dup := faultCatalog[f]; dup {
		panic("server: duplicate fault " + string(f))
	}
	faultCatalog[f] = info
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
