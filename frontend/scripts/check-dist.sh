#!/usr/bin/env bash
# CI check: the committed frontend/dist is what the sources build to.
# Installs the locked dependencies, runs the unit tests, rebuilds, and fails if dist/ changed.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund
npm test
npm run build
if ! git diff --quiet -- dist || [ -n "$(git ls-files --others --exclude-standard -- dist)" ]; then
  echo "frontend/dist differs from a fresh build: run 'npm ci && npm run build' in frontend/ and commit dist/." >&2
  git status --short -- dist >&2
  exit 1
fi
echo "frontend/dist is up to date"
