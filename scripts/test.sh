#!/usr/bin/env bash
# `npm test`: type-check and lint once, then the whole suite on SQLite, then again on PostgreSQL
# when TEST_DATABASE_URL names a server (scripts/with-postgres.sh starts a throwaway one and sets it):
#
#   npm test                              # SQLite only
#   scripts/with-postgres.sh npm test     # SQLite, then PostgreSQL
#   npm test -- test/unit                 # jest arguments pass through, to both runs
#
# Each run builds its databases fresh (test/helpers/database.ts): a temporary SQLite file, or a new
# database on the server per test file.
set -euo pipefail
cd "$(dirname "$0")/.."

npx tsc -p tsconfig.json
npm run --silent lint

# The CLI and bench tests run the compiled server that tsc just wrote to dist/.
export IDGRAPH_TEST_BUILT=1
echo "== the suite on SQLite" >&2
IDGRAPH_TEST_DATABASE=sqlite npx jest --runInBand "$@"
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== the suite on PostgreSQL ($TEST_DATABASE_URL)" >&2
  IDGRAPH_TEST_DATABASE=postgres npx jest --runInBand "$@"
else
  echo "== PostgreSQL skipped: TEST_DATABASE_URL is not set (run scripts/with-postgres.sh npm test)" >&2
fi
