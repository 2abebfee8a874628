#!/usr/bin/env bash
# `npm test`: bootstrap the machine, build, lint, then run every test suite.
# vitest's closing line is the one CI reads: `tests: N passed, N failed`.
# A failed build stops here (the end-to-end tests run dist/); a failed lint does not stop
# the tests, but still makes the run fail.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/ensure-env.sh
source scripts/ensure-env.sh
# test/support/db.ts reads TEST_PG_URL: point it at the server ensure-env just checked.
export TEST_PG_URL=${TEST_PG_URL:-$AIRLOCK_PG_ADMIN_URL}

echo "test: pnpm build"
pnpm --silent build

echo "test: pnpm lint"
lint_status=0
pnpm --silent lint || lint_status=$?

echo "test: vitest run"
test_status=0
pnpm exec vitest run "$@" || test_status=$?

if [ "$lint_status" -ne 0 ]; then echo "test: FAILED: pnpm lint (see above)" >&2; fi
if [ "$test_status" -ne 0 ]; then echo "test: FAILED: vitest" >&2; fi
[ "$lint_status" -eq 0 ] && [ "$test_status" -eq 0 ]
