#!/usr/bin/env bash
# Every benchmark of docs/performance.md in one command: the data plane (ops/bench/data-plane.sh: whole-file
# overhead, stream copy, chunked speed-up, the segment example, each against plain ffmpeg in the same run, and the
# quality of chunked output against a single pass) and then the control plane (ops/bench/control-plane.sh: add_job,
# get_job, get_jobs, memory, cold start and first task on SQLite and PostgreSQL), then how far one master group
# scales (ops/bench/fleet.sh: hundreds of simulated HTTP workers; heartbeat CPU and memory per worker, tasks/s handed
# out and finished, the cost of a running attempt); and first the scale model (ops/bench/scale.sh: worker nodes pinned
# to cores as machines, x264 and x265). About 35 minutes on 2 cores.
#   ops/bench/run.sh [--json DIR]      DIR gets scale.json, data-plane.json, control-plane.jsonl and fleet.json
#                                      (default bench-results/)
# Run it on a quiet machine: both sides of every comparison share the cores.
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$REPO_ROOT"
out=bench-results
if [ "${1:-}" = "--json" ]; then out=$2; fi
out=$(realpath -m "$out")
mkdir -p "$out"
: >"$out/control-plane.jsonl"
start=$(date +%s)
log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$REPO_ROOT/ops/bench/scale.sh" --json "$out/scale.json"
BENCH_SKIP_BUILD=1 "$REPO_ROOT/ops/bench/data-plane.sh" --json "$out/data-plane.json"
"$REPO_ROOT/ops/bench/control-plane.sh" --json "$out/control-plane.jsonl"
BENCH_SKIP_BUILD=1 "$REPO_ROOT/ops/bench/fleet.sh" --json "$out/fleet.json"
log "all benchmarks: $(( $(date +%s) - start )) s; results in $out"
