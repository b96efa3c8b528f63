#!/usr/bin/env bash
# 2. Stream copy: an flv remux job of record.bin (H.264 and AAC both fit flv, so the default codecs copy them: no
# re-encode) on a default single node, from submit to COMPLETED, against the ffmpeg command the worker runs for it,
# run directly. Alternating, each round in the other order. Target: under 0.3 s on top of the plain time.
#   ops/bench/copy.sh [rounds] [--json FILE]     (default 5 rounds)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse_args 5 "$@"

bench_start_node
bench_warm_up '{"dst_format":"flv"}'

# The worker's argv for this task (FfmpegArguments.Build: no cuts, both streams copied).
plain_round() {
  ffmpeg -hide_banner -y -i "file:$BENCH_SOURCE" -map 0:v:0 -map 0:a:0 -c:v copy -c:a copy -sn -dn -f flv \
    "file:$BENCH_WORK/plain.flv"
}
cluster_round() {
  bench_out_dir "r$1"
  # A new recording each time: the node probes and hashes the source as it would for a new file.
  touch "$BENCH_SOURCE"
  bench_job_ok "{\"src_filename\":\"record.bin\",\"dst_dir\":\"$(basename "$BENCH_OUT")\",\"dst_format\":\"flv\"}"
  [ "$JOB_TASKS" = 1 ] || die "the remux job was planned into $JOB_TASKS tasks, not one"
  rm -rf "$BENCH_OUT"
}

round_line() {
  printf 'round %d: plain ffmpeg %.3f s, cluster job %.3f s\n' "$1" "${plain[-1]}" "${api[-1]}"
}
bench_alternate
bench_result --bench copy --case "flv remux, 1 task" --base-label "plain ffmpeg" --base "${plain[*]}" \
  --label "cluster job" --runs "${api[*]}" --metric added --target 0.3
bench_finish
