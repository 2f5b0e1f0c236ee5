# The simulated tunnel: toxiproxy + HTTP-aware toxics (docs/tunnel.md).
.PHONY: toxiproxy test-tunnel bench-tunnel tunnel

# The real toxiproxy-server and toxiproxy-cli v2.12.0 into .cache/bin.
toxiproxy:
	bash .ci/setup.d/30-toxiproxy.sh

# The toxics and the tunnel command, against the real toxiproxy binaries.
test-tunnel: toxiproxy
	CI=true $(GO) test ./toxics/... ./internal/toxiproxytest/... ./cmd/mcpvcr -count=1

# Throughput through the HTTP-aware parser and through a live proxy.
bench-tunnel:
	$(GO) test ./toxics -run '^$$' -bench . -benchmem

# A tunnel in front of `make serve` (127.0.0.1:8080; `make run` is the demo and
# serves nothing): PROFILE=cloudflare-quick-tunnel make tunnel
PROFILE ?= clean
tunnel: build
	./$(BIN) tunnel --profile $(PROFILE) --upstream 127.0.0.1:8080 --listen 127.0.0.1:8081 --api 127.0.0.1:8474
