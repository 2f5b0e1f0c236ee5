# The demo (docs/demo.md): every fixture through every tunnel profile, one
# table; `make run` runs it without flags.
#   make demo DEMO_FLAGS="--profile cloudflare-quick-tunnel --json matrix.json"
DEMO_FLAGS ?=

.PHONY: demo demo-check matrix-test
demo: build
	./$(BIN) demo $(DEMO_FLAGS)

# The same, failing when a cell differs from fixtures/expectations.txt.
demo-check: build
	./$(BIN) demo --check $(DEMO_FLAGS)

# The package test that checks the whole matrix (part of `make test` too).
matrix-test:
	$(GO) test -count=1 ./harness/matrix/
