# examples/external: a module of its own (go.mod with a replace to ../..),
# as a user's test of mcpvcr would be, so it can use only the exported API
# (mcpvcrtest, harness, server, toxics) and never internal/. Go's ./...
# stops at a nested module, so `make test` does not reach it: `make
# ci-extra` runs it, offline, from the module cache the root module's
# build filled.
.PHONY: examples
CI_EXTRA += examples
examples:
	cd examples/external && GOPROXY=off GOFLAGS=-mod=readonly $(GO) vet ./... && GOPROXY=off GOFLAGS=-mod=readonly $(GO) test -count=1 ./...
