#!/usr/bin/env bash
# The data-plane benchmarks, one after the other, on one source made once: overhead of a whole-file re-encode job
# (overhead.sh), stream-copy remux (copy.sh), chunked speed-up with 1, 2 and 4 slots on one and two nodes
# (speedup.sh), and the README's segment example (example-job.sh). Each compares the cluster with plain ffmpeg on
# this machine, alternating, and reports medians and the ratio. Then the quality of chunked output against a single
# pass (quality.sh: PSNR, SSIM, size and bitrate, which do not depend on timing). Prints every script's table, then
# one table of all, the wall time and the load; --json FILE (or BENCH_JSON) writes all results as one JSON document.
# About 10 minutes on 2 cores with nothing else running, 4 of them quality.sh. BENCH_ROUNDS_ALL=1 runs every
# script with one round.
#   ops/bench/data-plane.sh [--json FILE]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse_args 1 "$@"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# The source and the build are made once (above), for every script.
export BENCH_MEDIA=$BENCH_MEDIA_DIR BENCH_SKIP_BUILD=1 BENCH_COLLECT="$BENCH_WORK/all.jsonl"
log "$SECONDS s: source and build ready; load average $load_before"
# The comparisons hold only on an otherwise idle machine: another process's CPU slows both sides, but not alike
# (plain ffmpeg's threads and a split's processes compete differently), so the ratios move.
if awk '{ exit !($1 > 1.0) }' /proc/loadavg; then
  log "warning: load average $load_before before the first measurement: something else is running, the ratios will not be those of an idle machine"
fi
# One default node (every role, one slot) serves the three single-node benchmarks, each warming it up with a job
# of its own kind; the speed-up and quality benchmarks start nodes of their own.
bench_start_node
export BENCH_SHARED_NODE="$BENCH_HTTP $BENCH_CLUSTER_PORT ${BENCH_NODE_PIDS[0]} $BENCH_NODE_LOG"
for script in overhead copy example-job; do
  log "$SECONDS s: $script.sh"
  BENCH_JSON= "$BENCH_DIR/$script.sh"
  echo
done
bench_stop_nodes KILL
unset BENCH_SHARED_NODE
for script in speedup quality; do
  log "$SECONDS s: $script.sh"
  BENCH_JSON= "$BENCH_DIR/$script.sh"
  echo
done

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== data plane: $(nproc) cores, $SECONDS s in all (with source, build and node starts), load average before $load_before, after $load_after"
python3 "$BENCH_DIR/results.py" table "$BENCH_COLLECT"
if [ -n "$BENCH_JSON" ]; then
  python3 "$BENCH_DIR/results.py" json "$BENCH_JSON" "$BENCH_COLLECT"
  log "results written to $BENCH_JSON"
fi
