# The MCP server's real peers: the official conformance suite and the
# TypeScript SDK client, pinned in internal/nodeclients/package.json and
# installed (npm ci) under .cache/node.
NODE_CLIENTS_DIR   := .cache/node
NODE_CLIENTS_STAMP := $(NODE_CLIENTS_DIR)/node_modules/.mcpvcr-installed
CONFORMANCE_JS     := $(NODE_CLIENTS_DIR)/node_modules/@modelcontextprotocol/conformance/dist/index.js
CONFORMANCE_SERVER := internal/nodeclients/conformance-server.sh

CI_EXTRA += conformance-server conformance-server-2025 conformance-server-2026

.PHONY: node-clients conformance-server conformance-server-2025 conformance-server-2026 conformance-eras
node-clients: $(NODE_CLIENTS_STAMP)
$(NODE_CLIENTS_STAMP): internal/nodeclients/package.json internal/nodeclients/package-lock.json
	$(call npm-ci,internal/nodeclients,$(NODE_CLIENTS_DIR))

# Each run is `mcpvcr serve --tools conformance --auth off` against one
# suite; each fails on any failed check or on fewer passed checks than the
# number given (docs/mcp.md "Conformance"). Node 22 from mk/node.mk.
#
# conformance@0.1.16 `server`: 30 scenarios, 40 checks, all must pass.
conformance-server: build node22 node-clients
	$(CONFORMANCE_SERVER) $(BIN) $(NODE22) $(CONFORMANCE_JS) 40 1

# conformance@0.2.0-alpha.12 (mk/conformance-auth.mk installs it), the
# 2025-11-25 requirements: the sessions era, 84 checks, all must pass.
conformance-server-2025: build node22 $(CONFORMANCE_AUTH_JS)
	$(CONFORMANCE_SERVER) $(BIN) $(NODE22) $(CONFORMANCE_AUTH_JS) 84 1 --requirements 2025-11-25

# The 2026-07-28 requirements: the stateless era. Every scored scenario must
# pass (the suite's exit status); the extension and pending scenarios it
# also runs are printed under "Not scored" and do not count.
conformance-server-2026: build node22 $(CONFORMANCE_AUTH_JS)
	$(CONFORMANCE_SERVER) $(BIN) $(NODE22) $(CONFORMANCE_AUTH_JS) 165 0 --requirements 2026-07-28

# All three, as `make ci-extra` runs them.
conformance-eras: conformance-server conformance-server-2025 conformance-server-2026
