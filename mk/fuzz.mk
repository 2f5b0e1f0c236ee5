# Fuzzing: `make fuzz` runs every target for FUZZTIME, one after another;
# `make fuzz-ci` (in CI_EXTRA) runs each for 20 s. A target is PKG:NAME;
# other areas append theirs to FUZZ_TARGETS. Seeds live in
# PKG/testdata/fuzz/NAME and run as regression tests in `make test`.
FUZZTIME ?= 60s
FUZZ_TARGETS += ./server:FuzzAuthorize ./server:FuzzToken ./server:FuzzRegister ./server:FuzzRevoke
FUZZ_TARGETS += ./server:FuzzMCPRequest ./server:FuzzObserverWrite
FUZZ_TARGETS += ./server:FuzzLogEscaping ./harness:FuzzReplayOrigin

CI_EXTRA += fuzz-ci

.PHONY: fuzz fuzz-ci
fuzz:
	@mk/fuzz.sh $(GO) $(FUZZTIME) $(FUZZ_TARGETS)

fuzz-ci:
	$(MAKE) --no-print-directory fuzz FUZZTIME=20s
