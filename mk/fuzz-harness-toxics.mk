# Fuzzing of the harness (SSE parser, cassette loading, redaction + fill)
# and of the toxics' HTTP/SSE parsing (docs/reliability-load.md). Seed
# corpora: harness/testdata/fuzz and toxics/testdata/fuzz; `make test`
# replays them. `make fuzz-harness-toxics` runs each target for FUZZTIME
# (default 60s), the -ci variant each for 20 s. A failing input is written
# under PKG/testdata/fuzz/NAME/ and becomes a regression test.
#
# The targets also join FUZZ_TARGETS, the list `make fuzz` / `make fuzz-ci`
# run when mk/fuzz.mk is there; then fuzz-ci covers them in CI and this
# file adds nothing to CI_EXTRA, so no target runs twice.
FUZZTIME ?= 60s
FUZZ_HARNESS_TOXICS := ./harness:FuzzSSEParser ./harness:FuzzLoadCassette ./harness:FuzzRedactAndFill \
	./toxics:FuzzWireParser ./toxics:FuzzSSEScanner ./toxics:FuzzPassThroughToxics
FUZZ_TARGETS += $(FUZZ_HARNESS_TOXICS)

ifeq ($(wildcard mk/fuzz.mk),)
CI_EXTRA += fuzz-harness-toxics-ci
endif

.PHONY: fuzz-harness-toxics fuzz-harness-toxics-ci
fuzz-harness-toxics:
	@set -e; for t in $(FUZZ_HARNESS_TOXICS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME); \
	done

fuzz-harness-toxics-ci:
	$(MAKE) --no-print-directory fuzz-harness-toxics FUZZTIME=20s
