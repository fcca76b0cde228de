#!/usr/bin/env bash
# What the test suite runs besides Node: Radicale and Xandikos (CalDAV servers) and Chromium
# (browser tests, with fonts-liberation so pages render with metric-compatible fonts).
exec bash "$(dirname "$0")/ensure-debian-packages.sh" \
  /usr/bin/radicale=radicale /usr/bin/xandikos=xandikos /usr/bin/chromium=chromium,fonts-liberation
