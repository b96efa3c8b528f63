#!/usr/bin/env bash
# 4. The README's example job (record.bin, segments 1-5:2-10, flv: both cuts re-encoded frame-exactly and joined)
# on a default single node, from submit to COMPLETED, against plain ffmpeg doing the same two cuts and the join in
# one command with the same codec settings (libx264 veryfast crf 23 without B-frames for flv, AAC 128 kb/s).
# Alternating, each round in the other order. No target: the table shows the ratio.
#   ops/bench/example-job.sh [rounds] [--json FILE]     (default 3 rounds)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse_args 3 "$@"

bench_start_node
bench_warm_up '{"dst_format":"flv","segments":"1-5:2-10"}'

# What someone would write by hand: two accurately seeked inputs, concatenated, encoded once.
plain_round() {
  ffmpeg -v error -y -ss 1 -t 4 -i "$BENCH_SOURCE" -ss 2 -t 8 -i "$BENCH_SOURCE" -filter_complex \
    "[0:v][0:a][1:v][1:a]concat=n=2:v=1:a=1[v][a]" -map "[v]" -map "[a]" -c:v libx264 -preset veryfast -crf 23 \
    -pix_fmt yuv420p -bf 0 -c:a aac -b:a 128000 -f flv "$BENCH_WORK/plain.flv"
}
cluster_round() {
  bench_out_dir "r$1"
  touch "$BENCH_SOURCE"
  bench_job_ok "{\"src_filename\":\"record.bin\",\"dst_dir\":\"$(basename "$BENCH_OUT")\",\"dst_format\":\"flv\",\"segments\":\"1-5:2-10\"}"
  rm -rf "$BENCH_OUT"
}

round_line() {
  printf 'round %d: plain ffmpeg %.2f s, cluster job %.2f s (%s task)\n' "$1" "${plain[-1]}" "${api[-1]}" "$JOB_TASKS"
}
bench_alternate
bench_result --bench example --case "segments 1-5:2-10 to flv" --base-label "plain ffmpeg" --base "${plain[*]}" \
  --label "cluster job" --runs "${api[*]}" --metric ratio
bench_finish
