# The third-party reference servers the fixtures server_everything_* and
# gosdk_everything_server_* are recorded from and replayed against
# (internal/referenceservers):
#   @modelcontextprotocol/server-everything, pinned in
#     internal/nodeclients/server-everything/package.json and installed (npm
#     ci, from the committed lock) under .cache/server-everything; Node 20
#     runs it.
#   go-sdk's conformance/everything-server at the go.mod pin: nothing to
#     install, the tests build it from the module cache.
SERVER_EVERYTHING_SRC := internal/nodeclients/server-everything
SERVER_EVERYTHING_DIR := .cache/server-everything
SERVER_EVERYTHING_JS  := $(SERVER_EVERYTHING_DIR)/node_modules/@modelcontextprotocol/server-everything/dist/index.js

.PHONY: server-everything
server-everything: $(SERVER_EVERYTHING_JS)
$(SERVER_EVERYTHING_JS): $(SERVER_EVERYTHING_SRC)/package.json $(SERVER_EVERYTHING_SRC)/package-lock.json
	$(call npm-ci,$(SERVER_EVERYTHING_SRC),$(SERVER_EVERYTHING_DIR))
