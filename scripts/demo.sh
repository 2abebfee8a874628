#!/usr/bin/env bash
# npm run demo: install what is missing, build, then start the control plane, a
# connector and the demo target (scripts/demo.mjs). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-env.sh
echo "[demo] building…"
pnpm run --silent build
exec node scripts/demo.mjs
