#!/usr/bin/env bash
# Installs the project's npm dependencies when they are missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[pipewright] installing npm dependencies" >&2
  # `npm ci`: exactly the lockfile, which lists every platform's optional DuckDB binding
  # (regenerate it with `npm install --package-lock-only` so none goes missing again).
  npm ci --no-audit --no-fund
fi
