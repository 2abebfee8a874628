#!/usr/bin/env bash
# Regenerates packages/proto/src/gen (buf + ts-proto) and fails when the result differs
# from what is in the tree, or when a generated file is not tracked by git (STYLE.md
# rule 17). In CI the tree is the commit, so this is "regenerate and fail on a diff";
# on a workstation it also passes once a correct regeneration is staged.
set -euo pipefail
cd "$(dirname "$0")/.."

gen=packages/proto/src/gen
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
if [ -d "$gen" ]; then cp -a "$gen/." "$before/"; fi

if ! out=$(pnpm --silent proto:gen 2>&1); then
  printf '%s\n' "$out" >&2
  echo "proto:check: FAILED: \`pnpm proto:gen\` did not run cleanly (output above)." >&2
  exit 1
fi

if ! changes=$(diff -rq "$before" "$gen" 2>&1); then
  printf '%s\n' "$changes" | sed "s|$before|<before>|g" >&2
  echo "proto:check: FAILED: $gen is stale: regenerating changed it (see \`git diff $gen\`)." >&2
  echo "  Fix: run \`pnpm proto:gen\` and commit the regenerated files." >&2
  exit 1
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  untracked=$(git ls-files --others --exclude-standard -- packages/proto)
  if [ -n "$untracked" ]; then
    printf '%s\n' "$untracked" | sed 's/^/  /' >&2
    echo "proto:check: FAILED: files under packages/proto are not tracked by git (listed above)." >&2
    echo "  Fix: \`git add\` them; generated code is committed." >&2
    exit 1
  fi
fi

echo "proto:check: OK (generated code matches packages/proto/proto)"
