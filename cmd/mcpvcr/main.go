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
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
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

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintf(stdout, "mcpvcr %s\n", version)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mcpvcr: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := c.run(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "mcpvcr %s: %v\n", c.name, err)
		var ec exitCoder
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		return 1
	}
}

// errUsage marks an error already reported with the command's usage.
var errUsage = errors.New("usage")

// exitCoder lets a command choose its exit status (replay: 1 = differences).
type exitCoder interface{ ExitCode() int }

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
	fmt.Fprintf(w, "\nRun 'mcpvcr <command> --help' for a command's flags.\n")
}

// newFlagSet returns a FlagSet that prints usage to stderr with a one-line
// description and reports errors as errUsage.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("mcpvcr "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: mcpvcr %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
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
