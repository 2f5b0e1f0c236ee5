#!/usr/bin/env bash
# Node 22 from the npm registry (the conformance suites need it; the machine
# has Node 20). No other download: the binary ships inside the npm package.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s node22
