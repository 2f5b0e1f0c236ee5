// Package scenarios holds the scenario scripts: each *.txtar file in this
// folder is one reproduction of a bug or one proof of its fix, run as a
// subtest of
//
//	go test ./scenarios                          # all of them
//	go test ./scenarios -run 'TestScenarios/seed_failed_flow'
//
// A scenario is a testscript (github.com/rogpeppe/go-internal/testscript)
// whose commands start the MCP + OAuth server with faults, put a tunnel
// profile between it and a step-by-step client, replay fixtures, and assert
// the server's log markers and the client's stream timelines:
//
//	client (step by step) > tunnel(toxics) > server(faults) ─► markers
//	        │ timelines                                          │
//	        └────────────── assertions in the script ◄──────────┘
//
// The package is a thin testscript adapter over the importable kit
// (mcpvcrtest: servers, streams, the OAuth client, markers). Each command
// registers itself (register, in commands_test.go's one map) beside its
// implementation in a *_cmds_test.go file, so a new command is one entry in
// one file; docs/scenarios.md lists the commands and the catalog, and a
// test keeps the two in step. Adding a scenario needs no Go: copy a .txtar
// file and change its lines.
package scenarios
