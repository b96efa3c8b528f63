#!/usr/bin/env bash
# 3. Chunked speed-up: record.bin re-encoded to mp4 (libx264 veryfast, crf 23, AAC copied) by the cluster with one
# ffmpeg thread per task, against one plain ffmpeg with all threads. The target case is one node with two worker
# slots: it alternates with plain ffmpeg and with a hand-made split (two one-thread halves at once, then a join,
# no cluster in between: the ceiling of any two-way split on this machine). Target: at least as fast as plain (1.00x):
# on 2 cores no split beats one ffmpeg by much (the hand split measures 1.04–1.07x here).
# Also 1, 2 and 4 slots per node on one node and on two (the second a worker-only node joined to the first on
# loopback, with as many slots): those run BENCH_MATRIX_ROUNDS times (default 1) each, against the median of every
# plain run of the script. CPU seconds of each side are kept too: plain ffmpeg's cores in use bound any split.
# Without two slots among BENCH_SLOTS (default "1 2 4"), there is no plain run to compare with.
#   ops/bench/speedup.sh [rounds] [--json FILE]     (default 3 rounds of the target case)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse_args 3 "$@"
matrix_rounds=${BENCH_MATRIX_ROUNDS:-1}
JOB_FIELDS='"dst_format":"mp4","video_codec":"h264"'

plain_round() {
  ffmpeg -hide_banner -y -i "file:$BENCH_SOURCE" -map 0:v:0 -map 0:a:0 -c:v libx264 -preset veryfast -crf 23 \
    -pix_fmt yuv420p -c:a copy -sn -dn -f mp4 "file:$BENCH_WORK/plain.mp4"
}
# Two halves encoded at once by one-thread ffmpegs, joined with the source's audio as the cluster's join does. The
# halves are cut at the input (fast seek, no pre-roll decoded, not frame-exact): an upper bound, not an equal.
split_round() {
  local i=0 pids=() ss
  for ss in 0 "$half"; do
    ffmpeg -v error -y -ss "$ss" -threads 1 -i "$BENCH_SOURCE" -t "$half" -map 0:v:0 -c:v libx264 \
      -preset veryfast -crf 23 -pix_fmt yuv420p -an -threads 1 -f matroska "$BENCH_WORK/half$i.mkv" &
    pids+=($!); i=$((i + 1))
  done
  wait "${pids[@]}"
  printf "file '%s'\n" "$BENCH_WORK/half0.mkv" "$BENCH_WORK/half1.mkv" >"$BENCH_WORK/halves.txt"
  ffmpeg -v error -y -f concat -safe 0 -i "$BENCH_WORK/halves.txt" -i "$BENCH_SOURCE" -map 0:v:0 \
    -map 1:a:0 -c copy -f mp4 "$BENCH_WORK/split.mp4"
}
half=$(python3 -c "print($(ffprobe -v error -show_entries format=duration -of csv=p=0 "$BENCH_SOURCE") / 2)")

cluster_round() {
  bench_out_dir "$1"
  touch "$BENCH_SOURCE"
  bench_job_ok "{\"src_filename\":\"record.bin\",\"dst_dir\":\"$(basename "$BENCH_OUT")\",$JOB_FIELDS}"
  rm -rf "$BENCH_OUT"
}

plain=(); plain_cpu=(); split=(); split_cpu=()
run_plain() { bench_timed plain_round; plain+=("$RUN_SECONDS"); plain_cpu+=("$RUN_CPU"); }
run_split() { bench_timed split_round; split+=("$RUN_SECONDS"); split_cpu+=("$RUN_CPU"); }

# One configuration: $1 nodes with $2 slots each; $3 rounds; with_plain=1 alternates plain and hand-split rounds.
declare -A case_runs case_cpu case_tasks
measure() {
  local nodes=$1 slots=$2 rounds=$3 with_plain=$4 key="$1x$2" r side runs=() cpu=()
  for r in $(seq 1 "$rounds"); do
    # Each side takes each place in turn, so a drift in the machine's speed does not favour one.
    local order=(cluster plain split plain split cluster split cluster plain)
    [ "$with_plain" = 1 ] || order=(cluster)
    for side in "${order[@]:$(( ${#order[@]} > 1 ? (r - 1) % 3 * 3 : 0 )):3}"; do
      case $side in
        plain) run_plain ;;
        split) run_split ;;
        cluster)
          cluster_round "n${nodes}s${slots}r$r"
          runs+=("$JOB_SECONDS"); cpu+=("$(python3 -c "print(f'{$JOB_NODE_CPU + $JOB_FFMPEG_CPU:.2f}')")") ;;
      esac
    done
    if [ "$with_plain" = 1 ]; then
      printf 'round %d: plain ffmpeg %.2f s (cpu %.1f s), hand split %.2f s (cpu %.1f s), cluster %d node(s) x %d slots %.2f s (cpu %.1f s, %s tasks on %s workers, %s retries)\n' \
        "$r" "${plain[-1]}" "${plain_cpu[-1]}" "${split[-1]}" "${split_cpu[-1]}" "$nodes" "$slots" "${runs[-1]}" "${cpu[-1]}" "$JOB_TASKS" "$JOB_WORKERS" "$JOB_RETRIES"
    else
      printf 'cluster %d node(s) x %d slots: %.2f s (cpu %.1f s, %s tasks on %s workers, %s retries)\n' "$nodes" "$slots" "${runs[-1]}" "${cpu[-1]}" "$JOB_TASKS" "$JOB_WORKERS" "$JOB_RETRIES"
    fi
  done
  case_runs[$key]="${runs[*]}"; case_cpu[$key]="${cpu[*]}"; case_tasks[$key]=$JOB_TASKS
}

for slots in ${BENCH_SLOTS:-1 2 4}; do
  bench_start_node --Transcode:Worker:Slots=$slots --Transcode:Worker:ThreadsPerTask=1
  bench_wait_slots "$slots"
  bench_warm_up "{$JOB_FIELDS}"
  if [ "$slots" = 2 ]; then measure 1 2 "$BENCH_ROUNDS" 1; else measure 1 "$slots" "$matrix_rounds" 0; fi
  bench_start_worker_node --Transcode:Worker:Slots=$slots --Transcode:Worker:ThreadsPerTask=1
  bench_wait_slots $((2 * slots))
  bench_warm_up "{$JOB_FIELDS}"
  measure 2 "$slots" "$matrix_rounds" 0
  bench_stop_nodes KILL
done

[ ${#plain[@]} -gt 0 ] || run_plain  # (a partial run without the target case)
if [ -n "${case_runs[1x2]:-}" ]; then
# What bounds any split here: plain ffmpeg already keeps most cores busy, and a split cannot finish before its CPU
# seconds spread over every core.
bound=$(python3 - "${plain[*]}" "${plain_cpu[*]}" "${split_cpu[*]}" "${case_cpu[1x2]}" "$(nproc)" <<'PY'
import statistics as s, sys
plain, plain_cpu, split_cpu, cluster_cpu = ([float(x) for x in a.split()] for a in sys.argv[1:5])
cores = int(sys.argv[5]); wall = s.median(plain)
print(f"plain ffmpeg keeps {s.median(plain_cpu) / wall:.2f} of {cores} cores busy; spread over all {cores} cores, "
      f"the hand split's CPU time ({s.median(split_cpu):.1f} s) allows at most {wall * cores / s.median(split_cpu):.2f}x, "
      f"the cluster's ({s.median(cluster_cpu):.1f} s, its node and ffprobe included) {wall * cores / s.median(cluster_cpu):.2f}x")
PY
)
bench_result --bench speedup --case "1 node x 2 slots (target)" --base-label "plain ffmpeg" --base "${plain[*]}" \
  --label "cluster" --runs "${case_runs[1x2]}" --metric speedup --target 1.00 \
  --extra "tasks=${case_tasks[1x2]}" --extra "plain_cpu_s=${plain_cpu[*]}" --extra "cluster_cpu_s=${case_cpu[1x2]}" \
  --note "$bound"
bench_result --bench speedup --case "hand split, 2 halves (ceiling)" --base-label "plain ffmpeg" --base "${plain[*]}" \
  --label "hand split" --runs "${split[*]}" --metric speedup --extra "split_cpu_s=${split_cpu[*]}"
fi
for nodes in 1 2; do
  for slots in ${BENCH_SLOTS:-1 2 4}; do
    [ "$nodes$slots" = 12 ] || [ -z "${case_runs[${nodes}x$slots]:-}" ] && continue
    bench_result --bench speedup --case "$nodes node(s) x $slots slots" --base-label "plain ffmpeg" --base "${plain[*]}" \
      --label "cluster" --runs "${case_runs[${nodes}x$slots]}" --metric speedup \
      --extra "tasks=${case_tasks[${nodes}x$slots]}" --extra "cluster_cpu_s=${case_cpu[${nodes}x$slots]}"
  done
done
bench_finish
