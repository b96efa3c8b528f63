#!/usr/bin/env bash
# Chunked speed-up: a 60 s 1280x720 H.264+AAC source re-encoded to mp4 (libx264 veryfast, crf 23) by a single node
# with N worker slots and one ffmpeg thread per task, against one plain ffmpeg with all threads on the same file.
# Both sides alternate on the same machine; prints each round, the medians and the ratio (speed-up = plain/cluster).
#   ops/bench/speedup.sh [rounds] [slots]     (defaults 5 and 2)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rounds=${1:-5}; slots=${2:-2}
bench_start_node --Transcode:Worker:Slots=$slots --Transcode:Worker:ThreadsPerTask=1

plain_round() {
  ffmpeg -v error -y -i "$BENCH_WORK/media/record.bin" -map 0:v:0 -map 0:a:0 -c:v libx264 -preset veryfast -crf 23 \
    -pix_fmt yuv420p -c:a copy -f mp4 "$BENCH_WORK/plain.mp4"
}
bench_warm_up "{\"src_filename\":\"record.bin\",\"dst_dir\":\"warm-up\",\"dst_format\":\"mp4\",\"video_codec\":\"h264\"}"
api=(); plain=()
for r in $(seq 1 "$rounds"); do
  t=$(bench_now); plain_round; p=$(echo "$(bench_now) - $t" | bc)
  t=$(bench_now); read -r state tasks < <(bench_run_job "{\"src_filename\":\"record.bin\",\"dst_dir\":\"r$r\",\"dst_format\":\"mp4\",\"video_codec\":\"h264\"}")
  a=$(echo "$(bench_now) - $t" | bc)
  [ "$state" = 3 ] || die "round $r: the job ended in state $state"
  api+=("$a"); plain+=("$p")
  printf 'round %d: plain ffmpeg %.2f s, cluster %.2f s (%s tasks, %s slots)\n' "$r" "$p" "$a" "$tasks" "$slots"
done
bench_medians "cluster" "${api[*]}" "plain-ffmpeg" "${plain[*]}"
