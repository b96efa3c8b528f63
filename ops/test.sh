#!/usr/bin/env bash
# Run all tests: builds the solution in Release, runs every test project (unit and end-to-end), and ends with
# one line "N passed, N failed[, N skipped]" summed over all test projects.
# Exit status: 0 only if the build succeeded, at least one test ran and none failed.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Domain").
# Works unattended (CI=true, no stdin). TEST_RESULTS_DIR=<dir> keeps the trx files there, and the dashboard test's
# screenshots (else they are in tests/Akka.Transcode.EndToEnd.Tests/bin/Release/net10.0/screenshots/).
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

# --- services the tests need ------------------------------------------------------------------------------------
# Each starter runs before the tests, exports what the tests read (environment variables) and registers its own
# teardown in CLEANUP.
start_test_services() {
  # A throwaway PostgreSQL for the tests of the postgres provider; they read TRANSCODE_TEST_PG.
  start_postgres
  CLEANUP+=("$PG_STOP")
}

# --- summary -----------------------------------------------------------------------------------------------------
# Sums the <Counters> of every trx file in $1 and prints "passed failed skipped files". A skipped test counts in
# total but not in executed; errors, timeouts and aborts count as failures.
sum_trx() {
  local dir=$1 f counters passed=0 failed=0 skipped=0 files=0
  attr() { local v; v=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2"); echo "${v:-0}"; }
  for f in "$dir"/*.trx "$dir"/*/*.trx; do
    [ -f "$f" ] || continue
    counters=$(tr -d '\r\n' <"$f" | grep -o '<Counters [^>]*>' | head -n 1) || true
    [ -n "$counters" ] || continue
    files=$((files + 1))
    passed=$((passed + $(attr passed "$counters")))
    failed=$((failed + $(attr failed "$counters") + $(attr error "$counters") + $(attr timeout "$counters") + $(attr aborted "$counters")))
    skipped=$((skipped + $(attr total "$counters") - $(attr executed "$counters")))
  done
  echo "$passed $failed $skipped $files"
}

# Prints each failed test of the trx files in $1 with the head of its message and the test-code line it failed at.
# The console log of a long run is often read only from its end (CI shows the tail), where a failed end-to-end test's
# node log would otherwise have pushed the names of the other failures out of sight.
report_failures() {
  python3 - "$1" <<'PY'
import glob, os, sys, xml.etree.ElementTree as ET
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
failed = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.trx")) + glob.glob(os.path.join(sys.argv[1], "*", "*.trx"))):
    try: root = ET.parse(f).getroot()
    except (ET.ParseError, OSError) as e: failed.append((f, f"unreadable trx: {e}", "")); continue
    for r in root.iter(ns + "UnitTestResult"):
        if r.get("outcome") not in ("Failed", "Error", "Timeout", "Aborted"): continue
        message = (r.findtext(f"{ns}Output/{ns}ErrorInfo/{ns}Message") or "").strip().splitlines()
        stack = (r.findtext(f"{ns}Output/{ns}ErrorInfo/{ns}StackTrace") or "").splitlines()
        where = next((l.strip() for l in stack if ".Tests." in l and " in " in l), "")
        failed.append((r.get("testName"), "\n      ".join(message[:6]) + (" ..." if len(message) > 6 else ""), where))
for name, message, where in failed[:20]:
    print(f"FAILED {name}")
    print(f"      {message}")
    if where: print(f"      {where}")
if len(failed) > 20: print(f"... and {len(failed) - 20} more failed tests")
PY
}

main() {
  run_unattended

  ensure_ffmpeg
  ensure_chromium
  ensure_dotnet
  ensure_npm
  # The dashboard test drives the system's Chromium; Playwright must not try to fetch browsers of its own.
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

  # TEST_RESULTS_DIR keeps the trx files (e.g. as CI artifacts); by default they go to a temporary directory.
  local results=${TEST_RESULTS_DIR:-}
  if [ -n "$results" ]; then
    mkdir -p "$results"
    rm -f "$results"/*.trx
  else
    results=$(mktemp -d "${TMPDIR:-/tmp}/akka-transcode-tests.XXXXXX")
    CLEANUP+=("rm -rf '$results'")
  fi

  start_test_services

  local build_rc=0 test_rc=0
  log "building Akka.Transcode.sln (Release)"
  dotnet build Akka.Transcode.sln -c Release || build_rc=$?
  if [ "$build_rc" -ne 0 ]; then
    log "build failed (exit $build_rc)"
    echo "0 passed, 0 failed"
    return 1
  fi

  log "running tests"
  # -m:1 runs the test projects one after another: the end-to-end tests keep both cores busy with ffmpeg, and
  # timing-sensitive actor tests should not compete with them.
  dotnet test Akka.Transcode.sln -c Release --no-build -m:1 \
    --logger "console;verbosity=minimal" --logger trx --results-directory "$results" "$@" || test_rc=$?

  local passed failed skipped files
  read -r passed failed skipped files < <(sum_trx "$results")
  if [ "$failed" -gt 0 ]; then
    log "failed tests:"
    report_failures "$results" || log "could not list the failed tests (python3 missing?)"
  fi
  log "test projects reporting: $files; dotnet test exit code: $test_rc"
  if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi

  if [ "$failed" -gt 0 ] || [ "$test_rc" -ne 0 ]; then return 1; fi
  if [ "$passed" -eq 0 ]; then log "no tests ran"; return 1; fi
  return 0
}

# Sourcing the file (to reuse sum_trx, for instance) defines the functions without running anything.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
