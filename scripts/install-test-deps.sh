#!/usr/bin/env bash
# Install the system programs the tests talk to, when missing: socat (RS-485 over pseudo-terminals).
set -euo pipefail
missing=()
for program in socat; do
    command -v "$program" >/dev/null 2>&1 || missing+=("$program")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "缺少测试依赖 / missing test dependencies: ${missing[*]} — run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "installing ${missing[*]} (apt)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
