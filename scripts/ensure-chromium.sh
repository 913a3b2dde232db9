#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests when it is missing and we are root.
# Playwright drives it through executable_path; no browser download from anywhere else.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: chromium missing and cannot apt-get it here; browser tests will skip" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium (one time)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium >/dev/null
