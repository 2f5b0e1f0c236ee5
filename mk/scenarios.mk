# Scenarios: every catalog entry (scenarios/*.txtar) and the checks that keep
# them honest (mutations) and documented (docs/scenarios.md).
.PHONY: scenarios scenarios-docs
scenarios:
	$(GO) test -count=1 ./scenarios

# Regenerate the command reference in docs/scenarios.md from the command map.
scenarios-docs:
	$(GO) test -count=1 ./scenarios -run TestDocs -update-docs
