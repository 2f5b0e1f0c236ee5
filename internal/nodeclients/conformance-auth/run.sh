#!/usr/bin/env bash
# Runs the official MCP conformance suite's authorization-server scenarios
# (@modelcontextprotocol/conformance, pinned in package.json here) headless
# against `mcpvcr serve --auto-approve`:
#
#   mcpvcr serve ──► DCR a public client (curl) ──► conformance authorization
#        ▲                                              │ prints the authorize URL
#        └──── headless "browser": curl -L that URL ◄───┘ and waits on its callback
#
# Usage: run.sh NODE MCPVCR_BIN CONFORMANCE_DIR OUT_DIR
# Exit status: non-zero when a check failed or the suite did not finish.
set -euo pipefail
node=$1 mcpvcr=$2 suite=$3 out=$4
mkdir -p "$out"
rm -f "$out"/*.log

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
cb_port=$(free_port)
issuer="http://127.0.0.1:$port"

# Redis: $REDIS_URL when set (.ci/run: a real redis-server), else in-process.
"$mcpvcr" serve --auto-approve --addr "127.0.0.1:$port" >"$out/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fsS "$issuer/.well-known/oauth-authorization-server" >/dev/null 2>&1 && break
  sleep 0.1
done

# A public client for the suite's callback (it listens on 127.0.0.1:$cb_port).
client_id=$(curl -fsS -X POST "$issuer/register" -H 'Content-Type: application/json' \
  -d "{\"client_name\":\"conformance\",\"redirect_uris\":[\"http://127.0.0.1:$cb_port/callback\"],\"token_endpoint_auth_method\":\"none\"}" \
  | sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p')
[ -n "$client_id" ] || { echo "conformance-auth: client registration failed" >&2; exit 1; }

# The headless browser: open the authorization URL the suite prints. With
# --auto-approve the server redirects straight to the suite's callback.
(
  for _ in $(seq 600); do
    url=$(grep -m1 -o "$issuer/authorize?[^ ]*" "$out/suite.log" 2>/dev/null || true)
    # The suite prints the URL before its callback server listens: wait for both.
    if [ -n "$url" ] && grep -q "Callback server started: http://127.0.0.1:$cb_port" "$out/suite.log"; then
      curl -fsS -L -o /dev/null "$url" || echo "conformance-auth: visiting the authorization URL failed" >&2
      exit 0
    fi
    sleep 0.1
  done
  echo "conformance-auth: the suite never printed an authorization URL" >&2
) &
browser_pid=$!

status=0
"$node" "$suite/node_modules/@modelcontextprotocol/conformance/dist/index.js" authorization \
  --url "$issuer" --client-id "$client_id" --resource "$issuer/mcp" --port "$cb_port" \
  --output-dir "$out/results" >"$out/suite.log" 2>&1 || status=$?
kill $browser_pid 2>/dev/null || true
cat "$out/suite.log"
exit $status
