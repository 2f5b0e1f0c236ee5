#!/usr/bin/env bash
# mcp-remote (pinned, from the committed package-lock.json) under
# .cache/mcp-remote, for server/mcp_remote_test.go (with CI=true it fails,
# not skips, when mcp-remote is missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s mcp-remote
