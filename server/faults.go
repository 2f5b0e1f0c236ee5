package server

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Fault names one way the MCP side of the server can misbehave on purpose,
// so a scenario can show a bug and, with the fault removed, its fix. Faults
// are given as NAME or NAME=VALUE (flag --fault, repeatable; Config.Faults).
// Each fault is one file, fault_NAME.go, registering its catalog entry
// with its hooks (fault_hooks.go).
type Fault string

// faultInfo is a fault's catalog entry: whether it takes a duration, its
// --help line, and the hooks where it acts.
type faultInfo struct {
	takesDuration bool
	usage         string
	hooks         faultHooks
}

var faultCatalog = map[Fault]faultInfo{}

// registerFault adds a fault to the catalog; each fault is one file,
// fault_NAME.go, that declares it and registers it in init with its
// --help line, "NAME: what it does" or, for a fault that takes a duration,
// "NAME=DUR: ...", and its hooks. Registering a name twice, or a usage
// line that does not start so, panics.
func registerFault(f Fault, usage string, hooks faultHooks) {
	if _, dup := faultCatalog[f]; dup {
		panic("server: duplicate fault " + string(f))
	}
	takesDuration := strings.HasPrefix(usage, string(f)+"=DUR: ")
	if !takesDuration && !strings.HasPrefix(usage, string(f)+": ") {
		panic(fmt.Sprintf("server: fault %s: usage %q starts with neither %q nor %q", f, usage, f+": ", f+"=DUR: "))
	}
	faultCatalog[f] = faultInfo{takesDuration: takesDuration, usage: usage, hooks: hooks}
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
	hooks     []faultHooks // of the faults that are on, in name order
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
	for _, f := range sortedFaults(fs.set) {
		fs.hooks = append(fs.hooks, faultCatalog[f].hooks)
	}
	return fs, nil
}

func knownFaults() string {
	var names []string
	for _, f := range sortedFaults(faultCatalog) {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// sortedFaults returns the keys of m in name order.
func sortedFaults[V any](m map[Fault]V) []Fault {
	return slices.Sorted(maps.Keys(m))
}
