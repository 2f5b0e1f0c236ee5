# fixtures: re-record every fixture under fixtures/ from its client, through
# `mcpvcr record` in front of `mcpvcr serve --auto-approve`, and keep it only
# if it replays against a fresh server with zero differences
# (internal/recordfixtures, fixtures/README.md). Review the diff like code.
#
#   make fixtures                               all of them
#   make fixtures FIXTURES=gosdk_oauth_session  some (comma-separated)
#   make fixtures-list                          the catalog
#
# Commands of external clients in the catalog get, in their environment:
#   NODE          node on PATH (Node 20 runs the TypeScript SDK and mcp-remote)
#   NODE_CLIENTS  .cache/node: the pinned node_modules of internal/nodeclients,
#                 with internal/nodeclients/*.mjs copied beside them (ESM
#                 resolution looks next to the script)
#   MCP_REMOTE    mcp-remote's proxy.js, when mk/mcp-remote.mk is there
#                 (installed first; these are read when the recipe runs)

.PHONY: fixtures fixtures-list
fixtures: build node-clients server-everything
	$(if $(MCP_REMOTE_JS),$(MAKE) -s mcp-remote)
	cp internal/nodeclients/*.mjs $(NODE_CLIENTS_DIR)/
	NODE="$$(command -v node)" NODE_CLIENTS="$(abspath $(NODE_CLIENTS_DIR))" \
	  MCP_REMOTE="$(if $(MCP_REMOTE_JS),$(abspath $(MCP_REMOTE_JS)))" \
	  $(GO) run ./internal/cmd/recordfixtures -mcpvcr $(BIN) -dir fixtures $(if $(FIXTURES),-only $(FIXTURES))
	$(GO) test -count=1 ./fixtures/
	$(GO) test -count=1 ./harness -run 'TestFixturesHoldNoSecrets'

fixtures-list:
	@$(GO) run ./internal/cmd/recordfixtures -list
