#!/usr/bin/env bash
# The chaos test, long form (docs/operations.md, "Chaos test"): three api,master nodes and two worker nodes on
# loopback with PostgreSQL run 100 short jobs while a random node is killed with SIGKILL every few seconds and
# restarted. It runs the same test the suite runs in a short form (ChaosTests), with TRANSCODE_CHAOS_* set:
#
#   TRANSCODE_CHAOS_JOBS                   jobs in all (default here 100; the suite's short form uses 20)
#   TRANSCODE_CHAOS_KILL_INTERVAL_SECONDS  mean time between kills (5)
#   TRANSCODE_CHAOS_SEED                   seeds every random choice; printed, so a failing run can be replayed
#   TRANSCODE_CHAOS_MAX_DOWN               nodes down at once, 1 or 2 (1)
#   TRANSCODE_CHAOS_IN_FLIGHT              jobs submitted and not yet ended at any time (6)
#   TRANSCODE_CHAOS_LIMIT_SECONDS          kills stop after this long (here 1800: until every job has ended; the
#                                          short form stops them after 60 + 4 s per job to bound the suite's time)
#   TRANSCODE_CHAOS_SETTLE_SECONDS         time the jobs left then may take on the quiet cluster (120)
#
# Usage: ./ops/chaos.sh [jobs]   e.g. TRANSCODE_CHAOS_SEED=42 ./ops/chaos.sh 100
# Uses $TRANSCODE_TEST_PG when set (an Npgsql connection string with rights to create databases); otherwise starts
# a throwaway PostgreSQL and removes it afterwards. The summary table is printed at the end and kept in
# $TRANSCODE_CHAOS_REPORT (default: a file under $TMPDIR), the timeline of kills, restarts and jobs beside it.
# TRANSCODE_E2E_KEEP=1 keeps the nodes' directories (logs, data, media) for inspection.
# Exit status: 0 when the test passed.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

main() {
  run_unattended

  ensure_ffmpeg
  ensure_dotnet

  export TRANSCODE_CHAOS_JOBS=${1:-${TRANSCODE_CHAOS_JOBS:-100}}
  export TRANSCODE_CHAOS_LIMIT_SECONDS=${TRANSCODE_CHAOS_LIMIT_SECONDS:-1800}
  if [ -z "${TRANSCODE_TEST_PG:-}" ]; then
    start_postgres
    CLEANUP+=("$PG_STOP")
  fi
  if [ -z "${TRANSCODE_CHAOS_REPORT:-}" ]; then
    TRANSCODE_CHAOS_REPORT=$(mktemp --suffix=.txt "${TMPDIR:-/tmp}/akka-transcode-chaos.XXXXXX")
  fi
  export TRANSCODE_CHAOS_REPORT

  local project=tests/Akka.Transcode.EndToEnd.Tests/Akka.Transcode.EndToEnd.Tests.csproj rc=0
  log "building the end-to-end tests (Release)"
  dotnet build "$project" -c Release >/dev/null || die "build failed (run: dotnet build $project -c Release)"

  log "chaos run: $TRANSCODE_CHAOS_JOBS jobs; summary in $TRANSCODE_CHAOS_REPORT"
  dotnet test "$project" -c Release --no-build --filter "FullyQualifiedName~ChaosTests" \
    --logger "console;verbosity=normal" || rc=$?

  if [ -s "$TRANSCODE_CHAOS_REPORT" ]; then
    echo
    cat "$TRANSCODE_CHAOS_REPORT"
    log "timeline: ${TRANSCODE_CHAOS_REPORT%.txt}-timeline.txt"
  fi
  [ "$rc" -eq 0 ] && log "chaos run passed" || log "chaos run failed (dotnet test exit $rc)"
  return "$rc"
}

main "$@"
