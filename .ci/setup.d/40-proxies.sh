#!/usr/bin/env bash
# Debian's nginx, haproxy, apache2 and caddy for the real-proxy calibration
# (toxics/realproxy, `mcpvcr tunnel --real`). Installed, never started:
# each test starts its own proxy from a config in the repo, on loopback. A
# policy-rc.d (only if none exists) refuses the packages' service starts.
set -euo pipefail
missing=()
for pkg in nginx:nginx haproxy:haproxy apache2:apache2 caddy:caddy; do
  bin=${pkg%%:*} name=${pkg#*:}
  command -v "$bin" >/dev/null || [ -x "/usr/sbin/$bin" ] || missing+=("$name")
done
[ ${#missing[@]} -eq 0 ] && exit 0
policy=/usr/sbin/policy-rc.d
ours=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && ours=1
fi
trap '[ "$ours" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Some packages start their service despite policy-rc.d under a running
# systemd; stop only those units, whose names the packages own.
if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
  for unit in "${missing[@]}"; do
    systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi
