// Package harness records MCP sessions (OAuth included) as go-vcr
// cassettes, replays them against any MCP server with fresh secrets, and
// asserts what the server's log markers and every stream did.
//
//	client > Recorder > server                 (cassette, secrets -> __PLACEHOLDERS__)
//	Replayer > [Tunnel] > any MCP server URL    (placeholders <- live responses)
//	MarkerLog <- server log (in-process, file, docker logs -f, stdin)
//
// Record, then replay against a fresh server:
//
//	rec, _ := harness.NewRecorder(upstream, nil)
//	front := httptest.NewServer(rec)
//	// ... run a client against front.URL ...
//	rec.WaitIdle(ctx)
//	rec.Close()
//	c := rec.Cassette()
//	rep, _ := harness.Replay(ctx, c, fresh, &harness.ReplayOptions{TimeScale: 0.5})
//	if !rep.OK() {
//		rep.WriteText(os.Stderr)
//	}
//
// Files: recorder.go (the streaming reverse proxy), cassette.go (the file),
// redact.go (secrets to placeholders), replayer.go (scheduling and
// streams), bindings.go (placeholders to live values), diff.go (what is
// compared), sse.go (the event-stream parser), markers.go (reading logs),
// assert.go (marker assertions), lifetime.go (stream timelines).
package harness
