# mcpvcr: `make run` shows it, `make test` checks it.
GO      ?= go
BIN     := bin/mcpvcr
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# Targets that .ci/run runs after `make test` (areas append to it in mk/*.mk).
CI_EXTRA :=

.PHONY: build run serve test ci-extra vet clean
build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/mcpvcr

# The demo: `check` against our own server (started in-process): every bundled
# fixture through every tunnel profile, as a table (docs/demo.md).
run: build
	./$(BIN) check --serve

# The server alone, for a live client (see README "The server").
serve: build
	./$(BIN) serve --auto-approve

test:
	$(GO) test -timeout 30m ./... # the two-scale matrix (harness/matrix) outlasts go test's default 10 minutes on a busy 2-core machine

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }

clean:
	rm -rf bin

# One file per area: conformance suites, fixtures, fuzzing.
-include mk/*.mk

ci-extra: $(CI_EXTRA)
