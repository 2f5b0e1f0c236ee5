#!/usr/bin/env bash
# The MCP conformance suite (authorization scenarios), from the committed
# package-lock.json under internal/nodeclients/conformance-auth.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s node22 conformance-auth-install >/dev/null
