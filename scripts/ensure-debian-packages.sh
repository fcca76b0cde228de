#!/usr/bin/env bash
# Installs the Debian packages the tests need when the program they provide is missing:
#   ensure-debian-packages.sh /usr/bin/radicale=radicale /usr/bin/chromium=chromium,fonts-liberation
# Idempotent and quiet: with every program present it does nothing and prints nothing.
# The tests call Debian's programs by absolute path (radicale and xandikos through their shebang
# select Debian's python3, not whatever python3 is first on PATH; playwright drives /usr/bin/chromium
# because npm's browser downloads cannot work here).
set -euo pipefail

missing=()
for pair in "$@"; do
  [[ -x ${pair%%=*} ]] && continue
  IFS=, read -r -a packages <<< "${pair#*=}"
  missing+=("${packages[@]}")
done
(( ${#missing[@]} == 0 )) && exit 0

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "ensure-debian-packages: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
# --no-install-recommends: the servers need only their Python modules, headless Chromium no desktop extras.
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

for pair in "$@"; do
  program=${pair%%=*}
  [[ -x $program ]] || { echo "ensure-debian-packages: $program still missing after apt-get install" >&2; exit 1; }
done
