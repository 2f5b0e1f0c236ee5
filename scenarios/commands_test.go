package scenarios

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// command is one scenario command: its usage line (the first word is its
// name), what it does, and its implementation. Commands that may be
// prefixed with ! say so in negatable and interpret neg themselves (a
// negated wait waits the whole timeout, exactly scaled, for something that
// must not happen).
type command struct {
	usage     string
	summary   string
	negatable bool
	run       func(w *world, ts *testscript.TestScript, neg bool, args []string) error
}

// commands is every command a scenario can use, in one map, listed sorted
// (docs/scenarios.md and its test are generated from it). A command
// registers itself, in init, beside its implementation, so adding one
// touches one file (and the generated docs). Durations in arguments are
// production durations: the scenario's timescale multiplies them.
var commands = map[string]command{}

// register adds c under its name, the first word of its usage line.
// Registering a name twice panics.
func register(c command) {
	name, _, _ := strings.Cut(c.usage, " ")
	if _, dup := commands[name]; dup {
		panic("scenarios: command " + name + " registered twice")
	}
	if c.summary == "" || c.run == nil {
		panic("scenarios: command " + name + " has no summary or no implementation")
	}
	commands[name] = c
}

// scriptCommands adapts the map to testscript: each error fails the
// scenario with the script line (testscript prints it), the markers and
// every stream's timeline.
func scriptCommands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	out := map[string]func(ts *testscript.TestScript, neg bool, args []string){}
	for name, c := range commands {
		out[name] = func(ts *testscript.TestScript, neg bool, args []string) {
			if neg && !c.negatable {
				ts.Fatalf("%s does not take !\nusage: %s", name, c.usage)
			}
			w := worldOf(ts)
			if err := c.run(w, ts, neg, args); err != nil {
				ts.Fatalf("%v\n%s%s", err, w.evidence(), w.reportLine(ts.Name()))
			}
		}
	}
	return out
}

// commandNames returns the command names, sorted.
func commandNames() []string {
	out := make([]string, 0, len(commands))
	for n := range commands {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// flags returns a FlagSet for command name whose errors carry its usage.
func flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses args and checks the count of positional arguments.
func parse(fs *flag.FlagSet, args []string, minArgs, maxArgs int) error {
	usage := commands[fs.Name()].usage
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s: %v\nusage: %s", fs.Name(), err, usage)
	}
	n := fs.NArg()
	if n < minArgs || (maxArgs >= 0 && n > maxArgs) {
		return fmt.Errorf("%s: got %d arguments (%s), want %s\nusage: %s", fs.Name(), n, strings.Join(fs.Args(), " "), argCount(minArgs, maxArgs), usage)
	}
	return nil
}

func argCount(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d", lo)
	case lo == hi:
		return fmt.Sprint(lo)
	default:
		return fmt.Sprintf("%d to %d", lo, hi)
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
