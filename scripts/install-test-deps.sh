#!/usr/bin/env bash
# Install the system programs the tests talk to, when missing (apt, as root; CI runs as root):
# socat (RS-485 over pseudo-terminals), InfluxDB/VictoriaMetrics, Mosquitto, openssl, and Chromium
# with CJK fonts for the dashboard's browser tests.
set -euo pipefail
missing=()
for program in socat; do  # RS-485 over pseudo-terminal pairs (tests/collectors/modbus)
    command -v "$program" >/dev/null 2>&1 || missing+=("$program")
done
# InfluxDB forwarding (tests/storage/influx): VictoriaMetrics takes /api/v2/write; InfluxDB 1.6.7's
# /write checks the line protocol. Package names differ from the programs (/usr/bin/influxd).
command -v victoria-metrics >/dev/null 2>&1 || missing+=("victoria-metrics")
command -v influxd >/dev/null 2>&1 || missing+=("influxdb")
# MQTT (tests/collectors/mqtt): a real Mosquitto (in /usr/sbin, often not on a user's PATH); openssl
# makes the TLS test's CA and certificates.
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || missing+=("mosquitto")
command -v openssl >/dev/null 2>&1 || missing+=("openssl")
# The dashboard (tests/dashboard): Debian's Chromium, driven by Playwright's Python package (no browser
# download); Chinese renders only with a CJK font.
command -v chromium >/dev/null 2>&1 || missing+=("chromium")
[ -d /usr/share/fonts/opentype/noto ] || missing+=("fonts-noto-cjk")
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "缺少测试依赖 / missing test dependencies: ${missing[*]} — run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "installing ${missing[*]} (apt)…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
