#!/usr/bin/env bash
# The soak test's long form (issue 6): 100,000 jobs through add_job on one node whose worker completes tasks at once
# (Transcode:Worker:Executor=instant), all paged through with get_jobs, with the node's memory sampled throughout.
# It runs the same test as the suite's short form (tests/Akka.Transcode.EndToEnd.Tests/Soak), sized by environment:
#   ops/soak.sh                          100,000 jobs, 32 clients, SQLite, the default idle passivation (30 s)
#   TRANSCODE_SOAK_JOBS=20000 TRANSCODE_SOAK_STORAGE=postgres ops/soak.sh
# Other knobs: TRANSCODE_SOAK_CONCURRENCY, TRANSCODE_SOAK_PASSIVATION_SECONDS (0 = the node's default),
# TRANSCODE_SOAK_SLOTS, TRANSCODE_SOAK_MAX_RSS_MB, TRANSCODE_SOAK_MAX_HEAP_GROWTH_MB (see SoakSettings.cs).
# The report (figures, then the memory samples as "seconds phase rss_mb") is written to
# $TRANSCODE_SOAK_REPORT (default soak-report.txt in the current directory) and printed at the end. On 2 cores
# the run takes about an hour; the node's data lives in a temporary directory that is removed afterwards.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  export TRANSCODE_SOAK_JOBS=${TRANSCODE_SOAK_JOBS:-100000}
  export TRANSCODE_SOAK_CONCURRENCY=${TRANSCODE_SOAK_CONCURRENCY:-32}
  export TRANSCODE_SOAK_PASSIVATION_SECONDS=${TRANSCODE_SOAK_PASSIVATION_SECONDS:-0}
  # The long form's bound: the GC keeps more memory committed after 100,000 jobs than after the short form's
  # 3,000, while the live heap (checked separately) stays flat.
  export TRANSCODE_SOAK_MAX_RSS_MB=${TRANSCODE_SOAK_MAX_RSS_MB:-600}
  export TRANSCODE_SOAK_REPORT
  TRANSCODE_SOAK_REPORT=$(realpath -m "${TRANSCODE_SOAK_REPORT:-soak-report.txt}")
  exec </dev/null

  ensure_ffmpeg
  ensure_dotnet
  local cleanup=:
  if [ "${TRANSCODE_SOAK_STORAGE:-sqlite}" = postgres ] && [ -z "${TRANSCODE_TEST_PG:-}" ]; then
    start_postgres
    cleanup=$PG_STOP
  fi
  # shellcheck disable=SC2064
  trap "$cleanup" EXIT

  cd "$REPO_ROOT"
  log "building the node and the end-to-end tests (Release)"
  dotnet build tests/Akka.Transcode.EndToEnd.Tests/Akka.Transcode.EndToEnd.Tests.csproj -c Release >/dev/null \
    || die "the build failed (run: dotnet build tests/Akka.Transcode.EndToEnd.Tests -c Release)"
  log "soak: $TRANSCODE_SOAK_JOBS jobs, $TRANSCODE_SOAK_CONCURRENCY clients, ${TRANSCODE_SOAK_STORAGE:-sqlite}; report in $TRANSCODE_SOAK_REPORT"
  local rc=0
  # Detailed console output shows the report lines as they come ("[soak] ...").
  dotnet test tests/Akka.Transcode.EndToEnd.Tests/Akka.Transcode.EndToEnd.Tests.csproj -c Release --no-build \
    --filter "FullyQualifiedName~SoakTests" --logger "console;verbosity=detailed" | grep --line-buffered -E '^\[soak\]|Passed|Failed|Error Message|Assert' || rc=$?
  [ -f "$TRANSCODE_SOAK_REPORT" ] && { echo; cat "$TRANSCODE_SOAK_REPORT"; }
  return "$rc"
}

main "$@"
