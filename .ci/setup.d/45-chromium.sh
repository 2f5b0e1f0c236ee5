#!/usr/bin/env bash
# Debian's chromium, headless, for the report tests (report/, scenarios'
# report rendering, `make report-screenshot`): they open the generated
# HTML with --headless --no-sandbox --disable-gpu, take a screenshot and
# dump the DOM. fonts-dejavu-core gives the screenshot real glyphs. The
# tests skip without chromium, except under CI=true, where they fail.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi dejavu; then
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fontconfig >/dev/null
