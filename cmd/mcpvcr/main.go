// Command mcpvcr records, replays and breaks MCP sessions on purpose:
//
//	mcpvcr serve    the MCP + OAuth 2.1 server, on embedded or real Redis
//	mcpvcr tunnel   a simulated tunnel (toxiproxy + HTTP-aware toxics)
//	mcpvcr record   a recording reverse proxy that writes a fixture
//	mcpvcr replay   replays a fixture against any MCP server
//	mcpvcr expect   asserts markers in a running server's log
//	mcpvcr demo     every fixture through every tunnel profile, as a table
//	mcpvcr load     many concurrent OAuth + MCP sessions through a tunnel
//
// Each subcommand lives in its own file and registers itself in init.
//
// Exit status, the same for every command:
//
//	0  success
//	1  findings or differences (replay, demo, expect, load found something)
//	2  bad usage or unreadable input: an unknown flag or a bad flag value, a
//	   missing required flag, a file that does not exist or is not a
//	   cassette, an unknown profile or toxic, a bad time scale, an
//	   unreachable target
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// version is set by the Makefile with -ldflags; "dev" otherwise.
var version = "dev"

// command is one subcommand. run gets the arguments after the command name.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// register adds a subcommand. A duplicate name is a programming error.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("mcpvcr: duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses (see the package comment).
const (
	exitOK       = 0
	exitFindings = 1
	exitTrouble  = 2
)

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return exitOK
	}
	if args[0] == "help" {
		// `mcpvcr help CMD` is `mcpvcr CMD --help`.
		if len(args) == 1 {
			usage(stdout)
			return exitOK
		}
		if _, ok := commands[args[1]]; ok {
			return run([]string{args[1], "--help"}, stdout, stdout)
		}
		fmt.Fprintf(stderr, "mcpvcr help: unknown command %q\n\n", args[1])
		usage(stderr)
		return exitTrouble
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintf(stdout, "mcpvcr %s\n", version)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mcpvcr: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitTrouble
	}
	err := c.run(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitTrouble
	default:
		fmt.Fprintf(stderr, "mcpvcr %s: %v\n", c.name, err)
		var ec exitCoder
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		// Anything but a finding means the command could not do its job.
		return exitTrouble
	}
}

// errUsage marks an error already reported with the command's usage.
var errUsage = errors.New("usage")

// exitCoder lets a command choose its exit status: findings and
// differences are exitFindings. Every other error is exitTrouble.
type exitCoder interface{ ExitCode() int }

// missingFlag reports a required flag left out, by name, with the usage.
func missingFlag(fs *flag.FlagSet, stderr io.Writer, what string) error {
	fmt.Fprintf(stderr, "%s: missing %s\n", fs.Name(), what)
	fs.Usage()
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "mcpvcr %s: record, replay and break MCP sessions behind OAuth and tunnels\n\nUsage:\n  mcpvcr <command> [flags]\n\nCommands:\n", version)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-8s %s\n", "version", "print the version")
	fmt.Fprintf(w, "\nRun 'mcpvcr help <command>' for a command's flags.\n\n%s", exitStatusHelp)
}

// newFlagSet returns a FlagSet that prints usage to stderr with a one-line
// description and reports errors as errUsage.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mcpvcr "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: mcpvcr %s\n\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\n%s", exitStatusHelp)
	}
	return fs
}

// exitStatusHelp ends every --help.
const exitStatusHelp = `Exit status: 0 success; 1 findings or differences; 2 bad usage or unreadable input
(unknown flag, bad value, missing file, unknown profile, bad time scale, unreachable target).
`

// parseWithOperand parses args for a command that takes one operand
// (replay's FILE, check's URL), before or after its flags, and returns it
// ("" when none was given). A second operand is a usage error.
func parseWithOperand(fs *flag.FlagSet, args []string, what string) (string, error) {
	var operand string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		operand, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if operand == "" && fs.NArg() == 1 {
		operand = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: one %s, got also %q\n", fs.Name(), what, fs.Args())
		fs.Usage()
		return "", errUsage
	}
	return operand, nil
}

// parseFlags parses args, mapping parse errors to errUsage (already printed).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
