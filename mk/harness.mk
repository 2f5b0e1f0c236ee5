# harness: recorder, replayer, log markers, stream lifetimes (docs/harness.md).

.PHONY: harness-test harness-bench fixtures-record
harness-test:
	$(GO) test -timeout 120s ./harness/... ./cmd/mcpvcr/

# How closely replay reproduces recorded inter-request gaps (scaled).
harness-bench:
	$(GO) test ./harness -run '^$$' -bench ReplayGap -benchtime 50x

# Re-record the harness's golden session (review the fixture diff like code).
fixtures-record:
	MCPVCR_RECORD=1 $(GO) test ./harness -run TestSessionFixture -count=1
	$(GO) test ./harness -run 'TestFixturesHoldNoSecrets|TestSessionFixture' -count=1
