#!/usr/bin/env bash
# One command for the product: installs what is missing, builds the VSIX and opens a real
# VS Code (code-server) with Pipewright and the DuckDB sample warehouse.
#   OPENAI_BASE_URL=... OPENAI_API_KEY=... PIPEWRIGHT_MODEL=... npm run demo
#   npm run demo -- --scripted     (offline: a scripted stand-in model, no key needed)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
bash scripts/setup-e2e.sh
npm run --silent package >/dev/null
exec node --import tsx scripts/demo.ts "$@"
