#!/usr/bin/env bash
# Runs @modelcontextprotocol/conformance (pinned in package.json) `server`
# against `mcpvcr serve --tools conformance --auth off` on a free loopback
# port, and fails unless every check passes. Used by `make conformance-server`.
#
#   conformance-server.sh MCPVCR_BIN NODE22 CONFORMANCE_JS
set -euo pipefail
bin=$(realpath "$1") node=$(realpath "$2") conformance=$(realpath "$3")
work=$(mktemp -d)
log=$work/serve.log
"$bin" serve --tools conformance --auth off --addr 127.0.0.1:0 >"$log" 2>"$work/serve.err" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
url=
for _ in $(seq 100); do
  url=$(sed -n 's#^mcpvcr serve: listening on \(http://[^ ]*\).*#\1#p' "$work/serve.err")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.err"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "conformance-server: serve did not start"; cat "$work/serve.err"; exit 1; }
grep -q '=== CRITICAL === AUTH OFF' "$log" || { echo "conformance-server: --auth off did not log its CRITICAL marker"; exit 1; }
echo "conformance-server: $url/mcp"
# The suite writes results/ into the working directory: keep it out of the repo.
(cd "$work" && "$node" "$conformance" server --url "$url/mcp") | tee "$work/out.txt" | grep -E '^(✓|✗|Total:)' || true
total=$(grep -E '^Total:' "$work/out.txt" || true)
echo "conformance-server: ${total:-no summary}"
case "$total" in
  *" 0 failed"*) ;;
  *) echo "conformance-server: FAILED"; tail -50 "$work/out.txt"; exit 1 ;;
esac
