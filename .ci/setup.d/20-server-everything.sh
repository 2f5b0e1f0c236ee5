#!/usr/bin/env bash
# @modelcontextprotocol/server-everything (pinned, from the committed
# package-lock.json) under .cache/server-everything, for the fixtures
# recorded from it (fixtures/fixtures_test.go replays them against it; with
# CI=true it fails, not skips, when the server is missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s server-everything
