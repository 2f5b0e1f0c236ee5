#!/usr/bin/env bash
# The pinned Node packages of internal/nodeclients (the MCP conformance
# suite and the TypeScript SDK client) under .cache/node, from the npm
# registry. The Go tests run the TypeScript client from there (with CI=true
# they fail, not skip, when it is missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s node-clients
