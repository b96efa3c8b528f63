#!/usr/bin/env bash
# Every benchmark of docs/performance.md in one command: the data plane (ops/bench/data-plane.sh: whole-file
# overhead, stream copy, chunked speed-up, the segment example, each against plain ffmpeg in the same run) and then
# the control plane (ops/bench/control-plane.sh: add_job, get_job, get_jobs, memory, cold start and first task on
# SQLite and PostgreSQL). About 10 minutes on 2 cores.
#   ops/bench/run.sh [--json FILE]      FILE gets one JSON object per measured line (default bench-results.jsonl)
# Run it on a quiet machine: both sides of every comparison share the cores.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$REPO_ROOT"
json=bench-results.jsonl
if [ "${1:-}" = "--json" ]; then json=$2; fi
json=$(realpath -m "$json")
: >"$json"
start=$(date +%s)
log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$REPO_ROOT/ops/bench/data-plane.sh" --json "$json"
"$REPO_ROOT/ops/bench/control-plane.sh" --json "$json"
log "all benchmarks: $(( $(date +%s) - start )) s; results in $json"
