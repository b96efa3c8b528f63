#!/usr/bin/env bash
# A warm first job: how much more CPU do fresh nodes spend on their first job than on their third? That CPU is
# taken from the ffmpeg a 1-core worker runs. The scale model's cluster (scale.sh): an api+master node unpinned
# and two worker-only nodes of one slot, under `taskset -c 0` and `taskset -c 1`, started fresh for each round.
# Each round runs 6 jobs (h264 to mp4, chunked over both workers) and measures each node's own CPU (utime+stime
# from /proc/<pid>/stat, not its ffmpeg children) from the submit until the nodes are quiet again after the job,
# so the background JIT a job sets off counts against it. Reported: job 1, 2, 3 and the steady state (median of
# jobs 4-6), for the master and for the workers (summed), and job 1 / job 3 in wall time and in node CPU.
#   ops/bench/first-job.sh [rounds] [--json FILE]     (default 1 round; medians over rounds)
#   BENCH_FIRST_JOB_SOURCE=record.bin                  the 60 s source instead of warm.bin (its first 10 s)
#   BENCH_FIRST_JOB_ENV="DOTNET_TieredPGO=1 ..."       extra environment for the nodes (to compare runtime settings)
#   BENCH_NODE_DLL=/path/Akka.Transcode.Node.dll       another build of the node (default: as ops/start.sh runs it)
# Needs 2 cores (it pins to cores 0 and 1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse_args 1 "$@"
[ "$(nproc)" -ge 2 ] || die "the scale model needs 2 cores (this machine has $(nproc))"
# As shipped (no runtime setting from the environment), plus whatever the caller wants to compare.
read -r -a extra_env <<<"${BENCH_FIRST_JOB_ENV:-}"
BENCH_NODE_ENV=(DOTNET_NOLOGO=1 "${extra_env[@]}")
SRC_NAME=${BENCH_FIRST_JOB_SOURCE:-warm.bin}
JOBS=6

# "<cpu s of each node>" in the order of BENCH_NODE_PIDS (own time only).
node_cpus() {
  python3 - "${BENCH_NODE_PIDS[@]}" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
out = []
for pid in sys.argv[1:]:
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    out.append(f"{(int(f[11]) + int(f[12])) / tick:.2f}")
print(" ".join(out))
PY
}

master=(); workers=(); walls=()
for r in $(seq 1 "$BENCH_ROUNDS"); do
  BENCH_NODE_PREFIX=()
  bench_start_node --Transcode:Roles=api,master
  for m in 0 1; do
    BENCH_NODE_PREFIX=(taskset -c "$m")
    bench_start_worker_node --Transcode:Worker:Slots=1
  done
  BENCH_NODE_PREFIX=()
  bench_wait_slots 2
  bench_settle
  started=$(node_cpus)
  printf 'round %d: started and joined, node CPU so far: %s\n' "$r" "$started"
  for j in $(seq 1 $JOBS); do
    bench_out_dir "r$r-j$j"
    before=$(node_cpus)
    bench_job_ok "{\"src_filename\":\"$SRC_NAME\",\"dst_dir\":\"$(basename "$BENCH_OUT")\",\"dst_format\":\"mp4\",\"video_codec\":\"h264\"}"
    bench_settle
    after=$(node_cpus)
    read -r m w < <(python3 -c "
b, a = [float(x) for x in '$before'.split()], [float(x) for x in '$after'.split()]
d = [y - x for x, y in zip(b, a)]
print(f'{d[0]:.2f} {sum(d[1:]):.2f}')")
    master+=("$m"); workers+=("$w"); walls+=("$JOB_SECONDS")
    printf 'round %d job %d: %.2f s (%s tasks on %s workers), node CPU: master %.2f s, workers %.2f s (%s)\n' \
      "$r" "$j" "$JOB_SECONDS" "$JOB_TASKS" "$JOB_WORKERS" "$m" "$w" \
      "$(python3 -c "b, a = '$before'.split(), '$after'.split(); print(' '.join(f'{float(y) - float(x):.2f}' for x, y in zip(b[1:], a[1:])))")"
    rm -rf "$BENCH_OUT"
  done
  bench_stop_nodes KILL
done

# $1: the array's name; $2: job (1-based) or "steady": the values of that job over the rounds.
pick() {
  local -n a=$1; local r j out=()
  for r in $(seq 0 $((BENCH_ROUNDS - 1))); do
    if [ "$2" = steady ]; then
      out+=("$(printf '%s\n' "${a[@]:r*JOBS+3:3}" | sort -n | sed -n 2p)")
    else
      out+=("${a[r*JOBS+$2-1]}")
    fi
  done
  echo "${out[*]}"
}
note="fresh nodes: api+master unpinned, 2 worker-only nodes pinned to cores 0 and 1; $SRC_NAME; env: ${BENCH_NODE_ENV[*]}; $(basename "$(dirname "$BENCH_NODE_DLL")")"
for who in master workers; do
  bench_result --bench first-job --case "$who node CPU, job 1 vs job 3" --base-label "job 3" --base "$(pick $who 3)" \
    --label "job 1" --runs "$(pick $who 1)" --metric ratio \
    --extra "job2_s=$(pick $who 2)" --extra "steady_s=$(pick $who steady)" --note "$note"
done
bench_result --bench first-job --case "job wall time, job 1 vs job 3" --base-label "job 3" --base "$(pick walls 3)" \
  --label "job 1" --runs "$(pick walls 1)" --metric ratio --target 1.05 --extra "steady_s=$(pick walls steady)" --note "$note"
bench_finish
