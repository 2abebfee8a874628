#!/usr/bin/env bash
# `pnpm lint`: every static check, in order, stopping at the first failure.
#   tsc (build) → tsc (tests) → eslint → prettier → dependency-cruiser → buf lint → proto:check
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/node_modules/.bin

if [ ! -x "$bin/tsc" ]; then
  echo "lint: dependencies are not installed; run \`pnpm install\` (or \`npm test\`, which bootstraps)." >&2
  exit 1
fi

done_steps=()
step() {
  local name=$1
  shift
  local start=$SECONDS
  echo "lint: $name"
  if ! "$@"; then
    echo "lint: FAILED at $name ($*)" >&2
    exit 1
  fi
  done_steps+=("$name $((SECONDS - start))s")
}

# The control plane compiles against the generated Prisma client (gitignored).
if [ ! -d apps/control-plane/src/generated ]; then
  step "prisma generate" pnpm --silent run prisma:generate
fi
step "tsc" "$bin/tsc" -b tsconfig.build.json
step "tsc tests" "$bin/tsc" -p test/support/tsconfig.json
step "eslint" "$bin/eslint" --max-warnings 0 .
step "prettier" "$bin/prettier" --check --log-level warn .
step "depcruise" "$bin/depcruise" apps packages test --config .dependency-cruiser.cjs
step "buf lint" bash -c 'cd packages/proto && ./node_modules/.bin/buf lint'
step "proto:check" bash scripts/proto-check.sh

summary=$(IFS=,; echo "${done_steps[*]}")
echo "lint: OK (${summary//,/, })"
