#!/usr/bin/env bash
# 1. Overhead: one whole-file re-encode job (record.bin to mp4, H.264 re-encoded, AAC copied) on a default
# single node (one worker slot, ffmpeg with all threads, one task for the whole file) from submit to COMPLETED,
# against the very ffmpeg command the worker runs (FfmpegArguments.Build), run directly. Alternating, each round
# in the other order. Target: the job takes at most 1.05x the plain time.
#   ops/bench/overhead.sh [rounds] [--json FILE]     (default 3 rounds)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse_args 3 "$@"

bench_start_node
bench_warm_up '{"dst_format":"mp4","video_codec":"h264"}'

# The worker's argv for this task: no cuts, so one input; video encoded with libx264's defaults of the job
# (veryfast, crf 23); AAC fits mp4 and is copied; no -threads (one slot: ffmpeg picks for every core).
plain_round() {
  ffmpeg -hide_banner -y -i "file:$BENCH_SOURCE" -map 0:v:0 -map 0:a:0 -c:v libx264 -preset veryfast -crf 23 \
    -pix_fmt yuv420p -c:a copy -sn -dn -f mp4 "file:$BENCH_WORK/plain.mp4"
}
cluster_round() {
  bench_out_dir "r$1"
  # A new recording each time: the node probes and hashes the source as it would for a new file.
  touch "$BENCH_SOURCE"
  bench_job_ok "{\"src_filename\":\"record.bin\",\"dst_dir\":\"$(basename "$BENCH_OUT")\",\"dst_format\":\"mp4\",\"video_codec\":\"h264\"}"
  [ "$JOB_TASKS" = 1 ] || die "the whole-file job was planned into $JOB_TASKS tasks, not one"
  rm -rf "$BENCH_OUT"
}

plain=(); api=(); node_cpu=(); ffmpeg_cpu=(); plain_cpu=()
for r in $(seq 1 "$BENCH_ROUNDS"); do
  for side in $( [ $((r % 2)) = 1 ] && echo "cluster plain" || echo "plain cluster"); do
    if [ "$side" = plain ]; then
      bench_timed plain_round; plain+=("$RUN_SECONDS"); plain_cpu+=("$RUN_CPU")
    else
      cluster_round "$r"; api+=("$JOB_SECONDS"); node_cpu+=("$JOB_NODE_CPU"); ffmpeg_cpu+=("$JOB_FFMPEG_CPU")
    fi
  done
  printf 'round %d: plain ffmpeg %.2f s (cpu %.1f s), cluster job %.2f s (ffmpeg cpu %.1f s, node cpu %.2f s)\n' \
    "$r" "${plain[-1]}" "${plain_cpu[-1]}" "${api[-1]}" "${ffmpeg_cpu[-1]}" "${node_cpu[-1]}"
done
bench_result --bench overhead --case "1 node, 1 slot, whole file in 1 task" \
  --base-label "plain ffmpeg" --base "${plain[*]}" --label "cluster job" --runs "${api[*]}" --metric ratio --target 1.05 \
  --extra "plain_cpu_s=${plain_cpu[*]}" --extra "job_ffmpeg_cpu_s=${ffmpeg_cpu[*]}" --extra "job_node_cpu_s=${node_cpu[*]}"
bench_finish
