# The MCP server's real peers: the official conformance suite and the
# TypeScript SDK client, pinned in internal/nodeclients/package.json and
# installed (npm ci) under .cache/node.
NODE_CLIENTS_DIR   := .cache/node
NODE_CLIENTS_STAMP := $(NODE_CLIENTS_DIR)/node_modules/.mcpvcr-installed
CONFORMANCE_JS     := $(NODE_CLIENTS_DIR)/node_modules/@modelcontextprotocol/conformance/dist/index.js

CI_EXTRA += conformance-server

.PHONY: node-clients conformance-server
node-clients: $(NODE_CLIENTS_STAMP)
$(NODE_CLIENTS_STAMP): internal/nodeclients/package.json internal/nodeclients/package-lock.json
	mkdir -p $(NODE_CLIENTS_DIR)
	cp internal/nodeclients/package.json internal/nodeclients/package-lock.json $(NODE_CLIENTS_DIR)/
	cd $(NODE_CLIENTS_DIR) && npm ci --silent --no-audit --no-fund --loglevel=error
	touch $@

# `conformance server` (30 scenarios, 40 checks) against
# `mcpvcr serve --tools conformance --auth off`; needs Node 22.
conformance-server: build node22 node-clients
	internal/nodeclients/conformance-server.sh $(BIN) $(NODE22) $(CONFORMANCE_JS)
