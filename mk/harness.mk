# harness: recorder, replayer, log markers, stream lifetimes (docs/harness.md).
# Fixtures are re-recorded by `make fixtures` (mk/fixtures.mk).

.PHONY: harness-test harness-bench
harness-test:
	$(GO) test -timeout 120s ./harness/... ./cmd/mcpvcr/ ./fixtures/ ./internal/recordfixtures/ ./internal/fixtureclients/

# How closely replay reproduces recorded inter-request gaps (scaled).
harness-bench:
	$(GO) test ./harness -run '^$$' -bench ReplayGap -benchtime 50x
