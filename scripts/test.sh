#!/usr/bin/env bash
# The whole test suite, as the README gives it: the servers the tests need, the type-checker,
# the linter, then every test. Tests start their own PostgreSQL, Redis, Radicale and Xandikos on
# free loopback ports (or use TEST_DATABASE_URL / TEST_REDIS_URL when set).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lock file in step with package.json"
node scripts/check-lock.mjs
npm ci --dry-run --no-audit --no-fund >/dev/null

bash scripts/ensure-test-programs.sh
echo "== generated API types are current (web/src/api/schema.d.ts)"
npx tsx scripts/generate-api-types.ts --check
echo "== generated database types are current (src/store/db-types.ts)"
npx tsx scripts/generate-db-types.ts --check
echo "== build web app (type-checks web/ too)"
npm run --silent build:web

echo "== type-check"
npx tsc --noEmit -p .
echo "== lint"
npx eslint .
echo "== format (Prettier; npm run format fixes it)"
npm run --silent format:check
echo "== layer rules (.dependency-cruiser.cjs; known violations to remove: .dependency-cruiser-known-violations.json)"
npx depcruise src --config .dependency-cruiser.cjs --ignore-known --output-type err
echo "== tests"
npx vitest run "$@"
