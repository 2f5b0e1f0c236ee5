# Performance, side by side (docs/performance.md): our server vs go-sdk's
# reference everything-server vs a bare net/http echo, the tunnel and the
# recorder on top, SSE delivery, idle listen streams, replay fidelity and
# the scenario suite. Not part of `make test`: it takes minutes and wants
# a quiet machine.
#   make bench                     everything
#   make bench BENCH_FLAGS="-only server,tunnel -rounds 5"
BENCH_DIR   := .cache/bench
BENCH_FLAGS ?=
GOSDK_VERSION := $(shell $(GO) list -m -f '{{.Version}}' github.com/modelcontextprotocol/go-sdk)

.PHONY: bench bench-reference
# The reference server, built from the module cache at the pinned version.
bench-reference:
	mkdir -p $(BENCH_DIR)
	$(GO) build -o $(BENCH_DIR)/everything-server github.com/modelcontextprotocol/go-sdk/conformance/everything-server

bench: build bench-reference
	$(GO) build -o $(BENCH_DIR)/bench ./internal/cmd/bench
	$(BENCH_DIR)/bench -mcpvcr $(BIN) -reference $(BENCH_DIR)/everything-server -dir $(BENCH_DIR) -json $(BENCH_DIR)/latest.json $(BENCH_FLAGS) | tee $(BENCH_DIR)/latest.txt
