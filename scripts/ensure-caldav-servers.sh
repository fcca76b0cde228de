#!/usr/bin/env bash
# Installs the CalDAV servers the integration tests start — Radicale and Xandikos from Debian — when
# either is missing. Idempotent and quiet: with both present it does nothing and prints nothing.
# The tests call /usr/bin/radicale and /usr/bin/xandikos directly, because their shebang selects
# Debian's python3 (which has the modules), not whatever python3 is first on PATH.
set -euo pipefail

missing=()
[[ -x /usr/bin/radicale ]] || missing+=(radicale)
[[ -x /usr/bin/xandikos ]] || missing+=(xandikos)
(( ${#missing[@]} == 0 )) && exit 0

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "ensure-caldav-servers: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq >/dev/null
# --no-install-recommends: the servers need only their Python dependencies, not the suggested extras.
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

for bin in /usr/bin/radicale /usr/bin/xandikos; do
  [[ -x $bin ]] || { echo "ensure-caldav-servers: $bin still missing after apt-get install" >&2; exit 1; }
done
