# The official MCP conformance suite's authorization-server scenarios against
# `mcpvcr serve --auto-approve` (docs/oauth.md). Node 22 comes from mk/node.mk.
CONFORMANCE_AUTH_SRC := internal/nodeclients/conformance-auth
CONFORMANCE_AUTH_DIR := .cache/conformance-auth
CONFORMANCE_AUTH_JS  := $(CONFORMANCE_AUTH_DIR)/node_modules/@modelcontextprotocol/conformance/dist/index.js

CI_EXTRA += conformance-auth

.PHONY: conformance-auth conformance-auth-install
conformance-auth-install: $(CONFORMANCE_AUTH_JS)

# npm ci from the committed lock file: the exact versions, nothing else.
$(CONFORMANCE_AUTH_JS): $(CONFORMANCE_AUTH_SRC)/package.json $(CONFORMANCE_AUTH_SRC)/package-lock.json
	mkdir -p $(CONFORMANCE_AUTH_DIR)
	cp $(CONFORMANCE_AUTH_SRC)/package.json $(CONFORMANCE_AUTH_SRC)/package-lock.json $(CONFORMANCE_AUTH_DIR)/
	cd $(CONFORMANCE_AUTH_DIR) && npm ci --silent --no-audit --no-fund --engine-strict=false
	touch $@

# Prints the suite's summary; fails when any check fails.
conformance-auth: $(CONFORMANCE_AUTH_JS) | node22
	$(GO) build -o $(CONFORMANCE_AUTH_DIR)/mcpvcr ./cmd/mcpvcr
	$(NODE22) $(CONFORMANCE_AUTH_SRC)/run.mjs $(CONFORMANCE_AUTH_DIR)/mcpvcr $(CONFORMANCE_AUTH_DIR) $(CONFORMANCE_AUTH_DIR)/out
