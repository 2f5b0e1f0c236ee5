#!/usr/bin/env bash
# The real toxiproxy-server and toxiproxy-cli (v2.12.0), built from the Go
# module proxy into .cache/bin (git-ignored). `go install` names them
# `server` and `cli`; internal/toxiproxytest looks for them there. The toxics
# tests drive the server, the tunnel tests drive the cli, and fail without
# them when CI=true.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="$PWD/.cache/bin"
VERSION=v2.12.0
STAMP="$BIN/.toxiproxy-version" # `server -version` says "git" for go-installed builds
if [ -x "$BIN/server" ] && [ -x "$BIN/cli" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
mkdir -p "$BIN"
GOBIN="$BIN" GOFLAGS=-mod=mod go install \
  "github.com/Shopify/toxiproxy/v2/cmd/server@$VERSION" \
  "github.com/Shopify/toxiproxy/v2/cmd/cli@$VERSION"
echo "$VERSION" > "$STAMP"
