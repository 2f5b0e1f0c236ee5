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
// The commands live in one sorted map in commands_test.go; docs/scenarios.md
// lists them and the catalog, and a test keeps the two in step. Adding a
// scenario needs no Go: copy a .txtar file and change its lines.
package scenarios
