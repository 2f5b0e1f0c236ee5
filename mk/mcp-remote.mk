# mcp-remote, the stdio bridge Claude Desktop users put in front of remote
# MCP servers, pinned in internal/nodeclients/mcp-remote/package.json and
# installed (npm ci, from the committed lock) under .cache/mcp-remote.
# server/mcp_remote_test.go runs it (`make test`); it runs on Node 20.
MCP_REMOTE_SRC := internal/nodeclients/mcp-remote
MCP_REMOTE_DIR := .cache/mcp-remote
MCP_REMOTE_JS  := $(MCP_REMOTE_DIR)/node_modules/mcp-remote/dist/proxy.js

.PHONY: mcp-remote
mcp-remote: $(MCP_REMOTE_JS)
$(MCP_REMOTE_JS): $(MCP_REMOTE_SRC)/package.json $(MCP_REMOTE_SRC)/package-lock.json
	$(call npm-ci,$(MCP_REMOTE_SRC),$(MCP_REMOTE_DIR))
