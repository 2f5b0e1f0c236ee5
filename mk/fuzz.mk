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
	@mkdir -p .cache; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; log=.cache/fuzz-$$name.log; \
		echo "--- fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg >$$log 2>&1; rc=$$?; \
		grep '^fuzz: elapsed' $$log | tail -1; grep -v '^fuzz: elapsed' $$log; \
		[ $$rc -eq 0 ] || { echo "--- $$name FAILED: the failing input is in $$pkg/testdata/fuzz/$$name; commit it with the fix"; exit $$rc; }; \
	done

fuzz-ci:
	$(MAKE) --no-print-directory fuzz FUZZTIME=20s
