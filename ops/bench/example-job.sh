#!/usr/bin/env bash
# The README's example job (record.bin, segments 1-5:2-10, flv) against plain ffmpeg doing the same cut and join
# with the same codec settings, alternating, on one machine. Prints each round and the medians.
#   ops/bench/example-job.sh [rounds]     (default 5)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rounds=${1:-5}
bench_start_node

plain_round() {
  ffmpeg -v error -y -ss 1 -t 4 -i "$BENCH_WORK/media/record.bin" -ss 2 -t 8 -i "$BENCH_WORK/media/record.bin" -filter_complex \
    "[0:v][0:a][1:v][1:a]concat=n=2:v=1:a=1[v][a]" -map "[v]" -map "[a]" -c:v libx264 -preset veryfast -crf 23 \
    -pix_fmt yuv420p -bf 0 -c:a aac -b:a 128000 -f flv "$BENCH_WORK/plain.flv" 2>/dev/null
}
bench_warm_up "{\"src_filename\":\"record.bin\",\"dst_dir\":\"warm-up\",\"dst_format\":\"flv\",\"segments\":\"1-5:2-10\"}"
api=(); plain=()
for r in $(seq 1 "$rounds"); do
  t=$(bench_now); read -r state _ < <(bench_run_job "{\"src_filename\":\"record.bin\",\"dst_dir\":\"r$r\",\"dst_format\":\"flv\",\"segments\":\"1-5:2-10\"}")
  a=$(echo "$(bench_now) - $t" | bc)
  [ "$state" = 3 ] || die "round $r: the job ended in state $state"
  t=$(bench_now); plain_round; p=$(echo "$(bench_now) - $t" | bc)
  api+=("$a"); plain+=("$p")
  printf 'round %d: api job %.2f s, plain ffmpeg %.2f s\n' "$r" "$a" "$p"
done
bench_medians "plain-ffmpeg" "${plain[*]}" "api-job" "${api[*]}"
