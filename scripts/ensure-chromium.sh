#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (playwright-core drives /usr/bin/chromium; npm's
# browser downloads cannot work here) when it is missing. Idempotent and quiet: with Chromium present
# it does nothing and prints nothing. fonts-liberation gives pages the metric-compatible Arial /
# Helvetica substitutes, so screenshots look like they do on a person's machine.
set -euo pipefail

[[ -x /usr/bin/chromium ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "ensure-chromium: need root or sudo to install chromium" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
# --no-install-recommends: headless Chromium needs none of the desktop extras.
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null

[[ -x /usr/bin/chromium ]] || { echo "ensure-chromium: /usr/bin/chromium still missing after apt-get install" >&2; exit 1; }
