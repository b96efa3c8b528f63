#!/usr/bin/env bash
# Chunked speed-up: a 60 s 1280x720 H.264+AAC source re-encoded to mp4 (libx264 veryfast, crf 23) by a single node
# with N worker slots and one ffmpeg thread per task, against one plain ffmpeg with all threads on the same file.
# Alternates with a hand-made split (two one-thread halves at once, then a join: the ceiling of any split here).
# Prints each round, the medians and the ratios (speed-up = plain/cluster, plain/hand-split).
#   ops/bench/speedup.sh [rounds] [slots]     (defaults 5 and 2)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
rounds=${1:-5}; slots=${2:-2}
bench_start_node --Transcode:Worker:Slots=$slots --Transcode:Worker:ThreadsPerTask=1

plain_round() {
  ffmpeg -v error -y -i "$BENCH_WORK/media/record.bin" -map 0:v:0 -map 0:a:0 -c:v libx264 -preset veryfast -crf 23 \
    -pix_fmt yuv420p -c:a copy -f mp4 "$BENCH_WORK/plain.mp4"
}
# The ceiling for any split on this machine: the two halves encoded at once by plain one-thread ffmpegs and joined,
# with no cluster in between (cuts on input, so not frame-exact: an upper bound, not an equal).
split_round() {
  local half i=0 pids=()
  half=$(python3 -c "print($(ffprobe -v error -show_entries format=duration -of csv=p=0 "$BENCH_WORK/media/record.bin") / 2)")
  for ss in 0 "$half"; do
    ffmpeg -v error -y -ss "$ss" -threads 1 -i "$BENCH_WORK/media/record.bin" -t "$half" -map 0:v:0 -c:v libx264 \
      -preset veryfast -crf 23 -pix_fmt yuv420p -an -threads 1 -f matroska "$BENCH_WORK/half$i.mkv" 2>/dev/null &
    pids+=($!); i=$((i + 1))
  done
  wait "${pids[@]}"
  printf "file '%s'\n" "$BENCH_WORK/half0.mkv" "$BENCH_WORK/half1.mkv" >"$BENCH_WORK/halves.txt"
  ffmpeg -v error -y -f concat -safe 0 -i "$BENCH_WORK/halves.txt" -i "$BENCH_WORK/media/record.bin" -map 0:v:0 \
    -map 1:a:0 -c copy -f mp4 "$BENCH_WORK/split.mp4"
}
bench_warm_up "{\"src_filename\":\"record.bin\",\"dst_dir\":\"warm-up\",\"dst_format\":\"mp4\",\"video_codec\":\"h264\"}"
api=(); plain=(); split=()
for r in $(seq 1 "$rounds"); do
  t=$(bench_now); plain_round; p=$(echo "$(bench_now) - $t" | bc)
  t=$(bench_now); split_round; s=$(echo "$(bench_now) - $t" | bc)
  t=$(bench_now); read -r state tasks < <(bench_run_job "{\"src_filename\":\"record.bin\",\"dst_dir\":\"r$r\",\"dst_format\":\"mp4\",\"video_codec\":\"h264\"}")
  a=$(echo "$(bench_now) - $t" | bc)
  [ "$state" = 3 ] || die "round $r: the job ended in state $state"
  api+=("$a"); plain+=("$p"); split+=("$s")
  printf 'round %d: plain ffmpeg %.2f s, hand split %.2f s, cluster %.2f s (%s tasks, %s slots)\n' "$r" "$p" "$s" "$a" "$tasks" "$slots"
done
bench_medians "cluster" "${api[*]}" "plain-ffmpeg" "${plain[*]}"
bench_medians "hand-split" "${split[*]}" "plain-ffmpeg" "${plain[*]}"
