#!/usr/bin/env bash
# Runs @modelcontextprotocol/conformance `server` against
# `mcpvcr serve --tools conformance --auth off` on a free loopback port, and
# fails on any regression: the suite's exit status (with --requirements it
# counts only the scenarios that revision scores), any failed check when
# STRICT is 1, or fewer passed checks than MIN_PASSED (a suite that quietly
# ran less). Used by mk/conformance-server.mk, one call per protocol era.
#
#   conformance-server.sh MCPVCR_BIN NODE22 CONFORMANCE_JS MIN_PASSED STRICT [SUITE ARGS...]
#
#   conformance-server.sh bin/mcpvcr node .../index.js 40 1                             # 0.1.16
#   conformance-server.sh bin/mcpvcr node .../index.js 84 1 --requirements 2025-11-25   # 0.2.0-alpha.12
#   conformance-server.sh bin/mcpvcr node .../index.js 165 0 --requirements 2026-07-28  # scored only
set -euo pipefail
bin=$(realpath "$1") node=$(realpath "$2") conformance=$(realpath "$3") min_passed=$4 strict=$5
shift 5
name="conformance-server${*:+ $*}"
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
[ -n "$url" ] || { echo "$name: serve did not start"; cat "$work/serve.err"; exit 1; }
grep -q '=== CRITICAL === AUTH OFF' "$log" || { echo "$name: --auth off did not log its CRITICAL marker"; exit 1; }
echo "$name: $url/mcp"
# The suite writes results/ into the working directory: keep it out of the repo.
rc=0
(cd "$work" && "$node" "$conformance" server --url "$url/mcp" "$@") >"$work/out.txt" 2>&1 || rc=$?
grep -E '^(✓|✗)' "$work/out.txt" || true
total=$(grep -E '^Total:' "$work/out.txt" || true)
passed=$(sed -n 's/^Total: \([0-9]*\) passed.*/\1/p' "$work/out.txt")
echo "$name: ${total:-no summary} (exit $rc)"
sed -n '/^Not scored/,$p' "$work/out.txt"
fail() { echo "$name: FAILED: $1"; tail -50 "$work/out.txt"; exit 1; }
[ "$rc" -eq 0 ] || fail "the suite exited $rc"
[ -n "$passed" ] || fail "no summary"
[ "$passed" -ge "$min_passed" ] || fail "$passed checks passed, want at least $min_passed"
if [ "$strict" = 1 ]; then
  case "$total" in *" 0 failed"*) ;; *) fail "want 0 failed" ;; esac
fi
