#!/usr/bin/env bash
# Installs what `npm test` needs besides Node 20+ and npm: promtool and amtool (Debian's Prometheus
# and Alertmanager packages; test/monitoring checks the rules and routes with them), then the npm
# packages of the program and of the policy pack from their lockfiles. One script for both entry
# points: `.ci/run` (a fresh clone) and the CI test job (.github/workflows/test.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null
fi
promtool --version >/dev/null
amtool --version >/dev/null
npm ci --no-audit --no-fund
npm ci --no-audit --no-fund --prefix policy
