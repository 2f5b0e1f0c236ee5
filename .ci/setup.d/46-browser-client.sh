#!/usr/bin/env bash
# esbuild (pinned in internal/browserclient/package.json) under .cache/browser:
# it bundles the TypeScript SDK client (.cache/node, 20-node-clients.sh) into
# the page internal/browserclient opens in headless chromium (45-chromium.sh).
# The browser scenario fails without it when CI=true.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=.cache/browser
SRC=internal/browserclient
if [ -x "$DIR/node_modules/.bin/esbuild" ] && cmp -s "$SRC/package-lock.json" "$DIR/package-lock.json"; then
  exit 0
fi
mkdir -p "$DIR"
cp "$SRC/package.json" "$SRC/package-lock.json" "$DIR/"
cd "$DIR" && npm ci --silent --no-audit --no-fund --loglevel=error
