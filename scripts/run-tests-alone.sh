#!/usr/bin/env bash
# Runs every test of the given jest files on its own (`jest -t '^<full name>$'`), so a test that
# only passes after an earlier one left state behind (an organization, a counter, an id) shows up.
#
#   scripts/run-tests-alone.sh                           # test/integration/*.test.ts, minus the slow ones
#   scripts/run-tests-alone.sh test/integration/auth.test.ts
#   DETECT_OPEN_HANDLES=1 scripts/run-tests-alone.sh …   # also pass --detectOpenHandles
#
# Prints one PASS/FAIL line per test and a summary; exits 1 when any test failed alone. The output
# of a failed run is kept under $LOG_DIR (a temporary directory by default).
set -uo pipefail
cd "$(dirname "$0")/.."

# Slow, and each has a single scenario: run them with plain `npx jest <file>` instead.
SKIPPED=(test/integration/bench-quick.test.ts test/integration/playground-browser.test.ts)

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for file in test/integration/*.test.ts; do
    [[ " ${SKIPPED[*]} " == *" $file "* ]] || files+=("$file")
  done
fi

LOG_DIR="${LOG_DIR:-$(mktemp -d -t idgraph-alone-XXXXXX)}"
mkdir -p "$LOG_DIR"
extra=()
[ -n "${DETECT_OPEN_HANDLES:-}" ] && extra+=(--detectOpenHandles)

# The full names (describe titles + test title, as -t matches them) of a file's tests. A pattern
# that matches no name makes jest report every test as skipped without running any hook.
list_tests() {
  local json="$LOG_DIR/list.json"
  npx jest --runInBand "$1" -t '^$' --json --outputFile="$json" >/dev/null 2>&1
  node -e 'const r = require(process.argv[1]); for (const f of r.testResults) for (const t of f.assertionResults) console.log(t.fullName);' "$json"
}

# The test ran and passed, and nothing else failed. (-t matches case-insensitively, so two tests
# whose names differ only in case, such as it.each rows "EXT-A" and "ext-a", run together.)
target_passed() {
  node -e '
    const r = require(process.argv[1]);
    const target = r.testResults.flatMap((f) => f.assertionResults).find((t) => t.fullName === process.argv[2]);
    process.exit(target?.status === "passed" && r.numFailedTests === 0 && r.numRuntimeErrorTestSuites === 0 ? 0 : 1);' "$1" "$2"
}

passed=0
failed=()
for file in "${files[@]}"; do
  mapfile -t names < <(list_tests "$file")
  if [ ${#names[@]} -eq 0 ]; then
    echo "FAIL  $file: no tests found (does the file compile?)"
    failed+=("$file")
    continue
  fi
  for name in "${names[@]}"; do
    pattern="^$(node -e 'process.stdout.write(process.argv[1].replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))' "$name")\$"
    slug="$(basename "$file" .test.ts)-$((passed + ${#failed[@]}))"
    json="$LOG_DIR/$slug.json"
    started=$(date +%s)
    if npx jest --runInBand "${extra[@]}" "$file" -t "$pattern" --json --outputFile="$json" >"$LOG_DIR/$slug.log" 2>&1 && target_passed "$json" "$name"; then
      echo "PASS  $file › $name ($(( $(date +%s) - started ))s)"
      passed=$((passed + 1))
    else
      echo "FAIL  $file › $name (log: $LOG_DIR/$slug.log)"
      failed+=("$file › $name")
    fi
    if [ -n "${DETECT_OPEN_HANDLES:-}" ] && grep -q "open handle" "$LOG_DIR/$slug.log"; then
      echo "      open handles reported (log: $LOG_DIR/$slug.log)"
    fi
  done
done

echo
echo "$passed passed alone, ${#failed[@]} failed"
for f in "${failed[@]}"; do echo "  - $f"; done
[ ${#failed[@]} -eq 0 ]
