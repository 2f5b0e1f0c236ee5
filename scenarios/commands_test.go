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

// commands is every command a scenario can use, in one sorted map (docs
// and the test of docs/scenarios.md are generated from it). Durations in
// arguments are production durations: the scenario's timescale multiplies
// them. It is filled in init because the commands quote their own usage
// lines in their errors.
var commands map[string]command

func init() {
	commands = map[string]command{
		"body": {
			usage:     "body [-stream S] TEXT",
			summary:   "the response body of stream S (default: the last) contains TEXT; waits for the stream to end",
			negatable: true, run: cmdBody,
		},
		"connect": {
			usage:     "connect [-client C] [-via HOP] [-timeout D]",
			summary:   "connect go-sdk's own client with the client's token (initialize, initialized, listen stream, tools/list); prints the outcome to stdout (! : it must fail)",
			negatable: true, run: cmdConnect,
		},
		"cut": {
			usage:   "cut STREAM",
			summary: "close STREAM's connection under it, as a reset in the path would",
			run:     cmdCut,
		},
		"delete": {
			usage:   "delete [-client C] [-via HOP] [-name S]",
			summary: "DELETE /mcp with the client's session (ends the session and its listen stream)",
			run:     cmdDelete,
		},
		"diffs": {
			usage:   "diffs [-all] N",
			summary: "the last replay had N differences not allowed (-all: N differences, allowed or not); prints them",
			run:     cmdDiffs,
		},
		"events": {
			usage:   "events [-match TEXT] [-unique] N STREAM...",
			summary: "the streams together carried N data events (with TEXT in their data); -unique: no SSE id twice",
			run:     cmdEvents,
		},
		"export-env": {
			usage:   "export-env [-client C] [-via HOP]",
			summary: "set $MCP_URL (HOP's /mcp) and $MCP_TOKEN (the client's access token) for exec'd clients (node, curl)",
			run:     cmdExportEnv,
		},
		"header": {
			usage:     "header [-stream S] NAME TEXT",
			summary:   "response header NAME of stream S contains TEXT",
			negatable: true, run: cmdHeader,
		},
		"listen": {
			usage:   "listen [-client C] [-via HOP] [-name S] [-resume STREAM | -last-event-id ID]",
			summary: "open the GET /mcp listen stream in the background (with Last-Event-ID: the last id seen on STREAM, or ID)",
			run:     cmdListen,
		},
		"markers": {
			usage:   "markers [-timeout D] in-order 'A > B > ...' | absent P | count P N | within 'A > B < D'",
			summary: "assert the servers' log markers (harness patterns: NAME, PREFIX*, NAME ~ detail); in-order, count and within wait up to -timeout",
			run:     cmdMarkers,
		},
		"post": {
			usage:   "post [-client C] [-via HOP] [-name S] [-chunked] [-async] [-no-session] [-session ID] [-no-token] [-timeout D] METHOD [PARAMS_JSON]",
			summary: "POST a JSON-RPC message to /mcp (an id unless METHOD is notifications/*); waits for the response to end unless -async",
			run:     cmdPost,
		},
		"record": {
			usage:   "record [-name R] [-to HOP] [-why TEXT]",
			summary: "put a harness recorder in front of HOP; it is a hop itself (-via R) until record-stop",
			run:     cmdRecord,
		},
		"record-stop": {
			usage:   "record-stop R FILE",
			summary: "stop recorder R and write what it saw as a fixture (secrets redacted) to FILE",
			run:     cmdRecordStop,
		},
		"redis": {
			usage:   "redis [-server NAME] stop | start | fast-forward D",
			summary: "stop or restart the server's in-process Redis, or move its clock (token expiry); D is not scaled",
			run:     cmdRedis,
		},
		"refresh": {
			usage:   "refresh [-client C] [-via HOP]",
			summary: "trade the client's refresh token for a new access token",
			run:     cmdRefresh,
		},
		"replay": {
			usage:   "replay [-via HOP] [-timescale F] [-grace D] [-allow PREFIX]... FIXTURE",
			summary: "replay a fixture (a path, or a name under fixtures/) against HOP; its exchanges become streams HOP.0, HOP.1, ...",
			run:     cmdReplay,
		},
		"replica": {
			usage:   "replica NAME [-of SERVER] [serve flags]",
			summary: "start a second server sharing SERVER's Redis (tokens valid on both; MCP sessions live in each process)",
			run:     cmdReplica,
		},
		"server": {
			usage:   "server [-name NAME] [serve flags]",
			summary: "start an mcpvcr server (flags as `mcpvcr serve`: --fault, --keepalive, ...; --auto-approve and --timescale default to on and the scenario's)",
			run:     cmdServer,
		},
		"stream": {
			usage:   "stream STREAM COND...",
			summary: "assert STREAM's timeline: status=N events=N events>=N comments>=N lived>=D lived<D headers<D closed-by=REASON open",
			run:     cmdStream,
		},
		"timescale": {
			usage:   "timescale F",
			summary: "multiply every duration of the scenario (server, tunnel, waits, assertions) by F; give it first",
			run:     cmdTimescale,
		},
		"token": {
			usage:   "token [-client C] [-via HOP]",
			summary: "get an access token for claude-desktop (authorize, auto-approved, then the code exchange with PKCE) from server a, or through -via HOP",
			run:     cmdToken,
		},
		"tunnel": {
			usage:   "tunnel [-name NAME] [-to SERVER] [-profile P] [-toxic TYPE:k=v,...]... [-scale F]",
			summary: "open a toxics tunnel in front of SERVER (default a) with a profile and/or toxics; -scale defaults to the scenario's",
			run:     cmdTunnel,
		},
		"wait-closed": {
			usage:     "wait-closed [-timeout D] STREAM",
			summary:   "wait until STREAM ends (! : it must stay open for the whole timeout)",
			negatable: true, run: cmdWaitClosed,
		},
		"wait-event": {
			usage:     "wait-event [-count N] [-match TEXT] [-timeout D] STREAM",
			summary:   "wait until STREAM carried N data events (with TEXT) (! : none may arrive within the timeout)",
			negatable: true, run: cmdWaitEvent,
		},
		"wait-headers": {
			usage:     "wait-headers [-timeout D] STREAM",
			summary:   "wait until STREAM's response headers arrive (! : they must not arrive within the timeout)",
			negatable: true, run: cmdWaitHeaders,
		},
	}
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
				ts.Fatalf("%v\n%s", err, w.evidence())
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
