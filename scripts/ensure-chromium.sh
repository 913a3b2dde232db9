#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests, and CJK and emoji fonts so Chinese pages and the
# store page's flags render as text rather than empty boxes in screenshots, when missing and we are root.
# Playwright drives chromium through executable_path; no browser download from anywhere else.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -qi 'color emoji' || missing+=(fonts-noto-color-emoji)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: ${missing[*]} missing and cannot apt-get here; browser tests may skip" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's ${missing[*]} (one time)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${missing[@]}" >/dev/null
