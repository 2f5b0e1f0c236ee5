# Fuzzing of the harness (SSE parser, cassette loading, redaction + fill)
# and of the toxics' HTTP/SSE parsing (docs/reliability-load.md). Seed
# corpora: harness/testdata/fuzz and toxics/testdata/fuzz; `make test`
# replays them. Each target runs FUZZTIME (default 60s); the -ci variant
# runs each for 20 s and is part of `make ci-extra`. A failing input is
# written under testdata/fuzz/<target>/ and becomes a regression test.
FUZZTIME ?= 60s
FUZZ_HARNESS := FuzzSSEParser FuzzLoadCassette FuzzRedactAndFill
FUZZ_TOXICS  := FuzzWireParser FuzzSSEScanner FuzzPassThroughToxics

CI_EXTRA += fuzz-harness-toxics-ci

.PHONY: fuzz-harness-toxics fuzz-harness-toxics-ci
fuzz-harness-toxics:
	@set -e; \
	for t in $(FUZZ_HARNESS); do echo "== harness $$t ($(FUZZTIME))"; $(GO) test ./harness -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME); done; \
	for t in $(FUZZ_TOXICS); do echo "== toxics $$t ($(FUZZTIME))"; $(GO) test ./toxics -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME); done

fuzz-harness-toxics-ci:
	$(MAKE) fuzz-harness-toxics FUZZTIME=20s
