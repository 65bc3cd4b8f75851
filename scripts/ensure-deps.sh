#!/usr/bin/env bash
# Installs the project's npm dependencies when they are missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[pipewright] installing npm dependencies" >&2
  # `npm install`, not `npm ci`: npm 11 writes lockfiles without the optional per-platform DuckDB
  # bindings and then its own `npm ci` refuses them. The locked versions are still what installs.
  npm install --no-audit --no-fund
fi
