# fixtures: re-record every fixture under fixtures/ from its client, through
# `mcpvcr record` in front of `mcpvcr serve --auto-approve`, and keep it only
# if it replays against a fresh server with zero differences
# (internal/recordfixtures, fixtures/README.md). Review the diff like code.
#
#   make fixtures                               all of them
#   make fixtures FIXTURES=gosdk_oauth_session  some (comma-separated)
#
# Commands of external clients in the catalog get ${NODE} (node on PATH) and
# ${NODE_CLIENTS} (.cache/node: the pinned node_modules with
# internal/nodeclients/*.mjs copied beside them, for ESM resolution).

.PHONY: fixtures fixtures-list
fixtures: build node-clients
	cp internal/nodeclients/*.mjs $(NODE_CLIENTS_DIR)/
	NODE="$$(command -v node)" NODE_CLIENTS="$(abspath $(NODE_CLIENTS_DIR))" \
	  $(GO) run ./internal/cmd/recordfixtures -mcpvcr $(BIN) -dir fixtures $(if $(FIXTURES),-only $(FIXTURES))
	$(GO) test -count=1 ./fixtures/
	$(GO) test -count=1 ./harness -run 'TestFixturesHoldNoSecrets'

fixtures-list:
	@$(GO) run ./internal/cmd/recordfixtures -list
