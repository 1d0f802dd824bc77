#!/usr/bin/env bash
# CI check of the web UI (run by tests/run): installs the locked dependencies, lints (ESLint, no
# warnings allowed), type-checks, runs the unit tests, rebuilds, checks the initial JavaScript's
# budget, and fails if the committed frontend/dist is not what the sources build to.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund
npm run lint
npm run typecheck
npm test
npm run build
node scripts/initial-js-budget.mjs
if ! git diff --quiet -- dist || [ -n "$(git ls-files --others --exclude-standard -- dist)" ]; then
  echo "frontend/dist differs from a fresh build: run 'npm ci && npm run build' in frontend/ and commit dist/." >&2
  git status --short -- dist >&2
  exit 1
fi
echo "frontend/dist is up to date"
