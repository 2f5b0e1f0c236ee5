package server

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Fault names one way the MCP side of the server can misbehave on purpose,
// so a scenario can show a bug and, with the fault removed, its fix. A
// Fault takes no value; a fault that takes a duration is a DurationFault.
// In Go, name them by their constants in FaultsOf, for Config.Faults; on
// the command line they are NAME or NAME=VALUE (flag --fault, repeatable;
// ParseFaults). Each fault is one file, fault_NAME.go, registering its
// catalog entry with its hooks (fault_hooks.go).
type Fault string

// DurationFault names a fault that takes a duration (idle-close=DUR): give
// it its duration with For.
type DurationFault string

// For returns fault f with duration d, for FaultsOf. d is scaled by
// Config.TimeScale and must be positive.
func (f DurationFault) For(d time.Duration) FaultSpec { return durationSpec{f, d} }

// FaultSpec is one fault to inject, with its value: a Fault constant
// (FaultSeed) or a DurationFault given its duration
// (FaultIdleClose.For(100 * time.Second)).
type FaultSpec interface {
	faultSpec() (Fault, time.Duration)
}

func (f Fault) faultSpec() (Fault, time.Duration) { return f, 0 }

// durationSpec is a DurationFault with its duration (DurationFault.For).
type durationSpec struct {
	f DurationFault
	d time.Duration
}

func (s durationSpec) faultSpec() (Fault, time.Duration) { return Fault(s.f), s.d }

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
// --help line, "NAME: what it does" for a Fault or "NAME=DUR: ..." for a
// DurationFault, and its hooks. Registering a name twice, or a usage line
// that does not start so, panics.
func registerFault[F Fault | DurationFault](f F, usage string, hooks faultHooks) {
	name := Fault(f)
	if _, dup := faultCatalog[name]; dup {
		panic("server: duplicate fault " + string(name))
	}
	_, takesDuration := any(f).(DurationFault)
	prefix := string(name) + ": "
	if takesDuration {
		prefix = string(name) + "=DUR: "
	}
	if !strings.HasPrefix(usage, prefix) {
		panic(fmt.Sprintf("server: fault %s: usage %q does not start with %q", name, usage, prefix))
	}
	faultCatalog[name] = faultInfo{takesDuration: takesDuration, usage: usage, hooks: hooks}
}

// ErrUnknownFault is returned by ParseFaults, and by New from FaultsOf, for
// a name not in the catalog.
var ErrUnknownFault = errors.New("unknown fault")

// ErrBadFaultValue is returned by ParseFaults for a missing, unexpected or
// unparsable value, and by New for a duration fault given a duration that
// is not positive.
var ErrBadFaultValue = errors.New("bad fault value")

// Faults is a set of faults to inject, made by FaultsOf or ParseFaults.
// The zero value injects nothing.
type Faults struct {
	set       map[Fault]bool
	durations map[Fault]time.Duration
	hooks     []faultHooks // of the faults that are on, in name order
	err       error        // a bad value given to FaultsOf, returned by New
}

// FaultsOf returns the set of the given faults, for Config.Faults:
//
//	server.FaultsOf(server.FaultSeed, server.FaultIdleClose.For(100*time.Second))
//
// New fails with ErrBadFaultValue for a duration that is not positive, and
// with ErrUnknownFault for a Fault converted from a name not in the catalog.
func FaultsOf(specs ...FaultSpec) Faults {
	fs := Faults{set: map[Fault]bool{}, durations: map[Fault]time.Duration{}}
	for _, spec := range specs {
		f, d := spec.faultSpec()
		info, known := faultCatalog[f]
		var err error
		switch {
		case !known: // a Fault converted from a string
			err = fmt.Errorf("fault %q: %w (known: %s)", f, ErrUnknownFault, knownFaults())
		case info.takesDuration && d <= 0:
			err = fmt.Errorf("fault %s=%s: %w: want a positive duration", f, d, ErrBadFaultValue)
		case !info.takesDuration && d != 0:
			err = fmt.Errorf("fault %s=%s: %w: %s takes no value", f, d, ErrBadFaultValue, f)
		}
		if err != nil {
			fs.err = cmp.Or(fs.err, err)
			continue
		}
		if info.takesDuration {
			fs.durations[f] = d
		}
		fs.set[f] = true
	}
	for _, f := range sortedFaults(fs.set) {
		fs.hooks = append(fs.hooks, faultCatalog[f].hooks)
	}
	return fs
}

// Has reports whether fault f is on.
func (fs Faults) Has(f Fault) bool { return fs.set[f] }

// Duration returns the duration of fault f (0 if it is off).
func (fs Faults) Duration(f DurationFault) time.Duration { return fs.durations[Fault(f)] }

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

// ParseFaults parses NAME or NAME=VALUE specs (the --fault flag's) into
// Faults. It returns an error wrapping ErrUnknownFault or ErrBadFaultValue
// that names the offending spec.
func ParseFaults(specs []string) (Faults, error) {
	var parsed []FaultSpec
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
			parsed = append(parsed, DurationFault(f).For(d))
		default:
			parsed = append(parsed, f)
		}
	}
	return FaultsOf(parsed...), nil
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
