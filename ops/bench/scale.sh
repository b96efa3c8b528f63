#!/usr/bin/env bash
# Scale model: does a job finish faster when worker machines are added? Each "machine" is one core: a worker-only
# node started by ops/bench/pin.sh N (in a cpuset cgroup of core N where this user may make one, else under
# `taskset -c N`: it and every ffmpeg it starts stay on core N), with one slot. The api+master
# node runs unpinned beside them, as a small control-plane host would. Compared in the same run, rounds alternating:
#   - plain ffmpeg pinned to one core (one machine doing it by hand: the baseline);
#   - the ideal split: the source cut in halves at the input, each half encoded by an ffmpeg pinned to a core of its
#     own, then a concat join (the limit of any two-machine split: no cluster, no exact cuts);
#   - the cluster with 1 and with 2 worker machines.
# Every cluster output is checked after its clock: frame count equal to the source's, and a full decode with no error.
# The nodes run as shipped (ReadyToRun, ops/start.sh's publish): the first timed job is a fresh cluster's first,
# and the ratio of the first job to the third is reported.
# Two codecs: x264 (veryfast, crf 23) on the 60 s 720p source, and x265 (veryfast, crf 28) on its first 20 s.
#   ops/bench/scale.sh [rounds] [--json FILE]      (default 5 rounds of 2 machines; 1 machine gets half, at least 2)
#   BENCH_SCALE_CODECS="h264 hevc" (default) chooses the codecs.
# Needs 2 cores at least (it pins to cores 0 and 1). Run it on a quiet machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse_args 5 "$@"
[ "$(nproc)" -ge 2 ] || die "the scale model needs 2 cores (this machine has $(nproc))"
# As shipped (common.sh's environment sets no runtime setting): the first job after start is part of what is
# measured.

encoder_args() {
  case $1 in
    h264) echo "-c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p" ;;
    hevc) echo "-c:v libx265 -preset veryfast -crf 28 -pix_fmt yuv420p -tag:v hvc1 -x265-params log-level=error" ;;
  esac
}

# $1 codec: sets SRC (the source file) and SRC_NAME, SRC_FRAMES, HALF.
use_source() {
  case $1 in
    h264) SRC_NAME=record.bin ;;
    hevc)
      SRC_NAME=record20.bin
      [ -f "$BENCH_MEDIA_DIR/$SRC_NAME" ] || ffmpeg -v error -i "$BENCH_SOURCE" -t 20 -map 0 -c copy -f mpegts "$BENCH_MEDIA_DIR/$SRC_NAME" ;;
  esac
  SRC="$BENCH_MEDIA_DIR/$SRC_NAME"
  SRC_FRAMES=$(bench_frames_of "$SRC")
  HALF=$(python3 -c "print($(ffprobe -v error -show_entries format=duration -of csv=p=0 "$SRC") / 2)")
}


# Frame-exact and decode-clean, or the run dies: a fast wrong answer is no answer.
check_output() {
  local file=$1 frames errors
  frames=$(bench_frames_of "$file")
  [ "$frames" = "$SRC_FRAMES" ] || die "$file has $frames frames, the source $SRC_FRAMES"
  errors=$(ffmpeg -v error -i "$file" -f null - 2>&1 | head -n 5)
  [ -z "$errors" ] || die "$file does not decode cleanly: $errors"
}

plain_round() {
  # shellcheck disable=SC2046
  "$BENCH_DIR/pin.sh" 0 ffmpeg -hide_banner -y -i "file:$SRC" -map 0:v:0 -map 0:a:0 $(encoder_args "$CODEC") \
    -c:a copy -sn -dn -f mp4 "file:$BENCH_WORK/plain.mp4"
}

split_round() {
  local i=0 pids=() ss
  for ss in 0 "$HALF"; do
    # shellcheck disable=SC2046
    "$BENCH_DIR/pin.sh" "$i" ffmpeg -v error -y -ss "$ss" -i "$SRC" -t "$HALF" -map 0:v:0 $(encoder_args "$CODEC") -an \
      -f matroska "$BENCH_WORK/half$i.mkv" &
    pids+=($!); i=$((i + 1))
  done
  wait "${pids[@]}"
  printf "file '%s'\n" "$BENCH_WORK/half0.mkv" "$BENCH_WORK/half1.mkv" >"$BENCH_WORK/halves.txt"
  "$BENCH_DIR/pin.sh" 0 ffmpeg -v error -y -f concat -safe 0 -i "$BENCH_WORK/halves.txt" -i "$SRC" -map 0:v:0 -map 1:a:0 \
    -c copy -f mp4 "$BENCH_WORK/split.mp4"
}

CLUSTER_JOBS=()
cluster_round() {
  bench_out_dir "$1"
  touch "$SRC"
  bench_job_ok "{\"src_filename\":\"$SRC_NAME\",\"dst_dir\":\"$(basename "$BENCH_OUT")\",\"dst_format\":\"mp4\",\"video_codec\":\"$CODEC\"}"
  CLUSTER_JOBS+=("$JOB_SECONDS")
  check_output "$(find "$BENCH_OUT" -maxdepth 1 -name '*.mp4' | head -n 1)"
  rm -rf "$BENCH_OUT"
}


# $1 codec, $2 machines, $3 rounds: alternates plain / split (2 machines) / cluster, each side in each place in turn.
measure() {
  local codec=$1 machines=$2 rounds=$3 r side order
  plain=(); split=()
  bench_start_scale_cluster "$machines"
  CLUSTER_JOBS=()
  for r in $(seq 1 "$rounds"); do
    order=$(bench_scale_order "$machines" "$r")
    for side in $order; do
      case $side in
        plain) bench_timed plain_round; plain+=("$RUN_SECONDS") ;;
        split) bench_timed split_round; split+=("$RUN_SECONDS") ;;
        cluster) cluster_round "$codec-m$machines-r$r" ;;
      esac
    done
    printf '%s, %d machine(s), round %d: plain %.2f s%s, cluster %.2f s (%s tasks on %s workers, %s retries)\n' \
      "$codec" "$machines" "$r" "${plain[-1]}" "$( [ "$machines" = 2 ] && printf ', ideal split %.2f s' "${split[-1]}")" \
      "${CLUSTER_JOBS[-1]}" "$JOB_TASKS" "$JOB_WORKERS" "$JOB_RETRIES"
  done
  bench_stop_nodes KILL
  local first_third=""
  if [ "${#CLUSTER_JOBS[@]}" -ge 3 ]; then
    first_third=$(python3 -c "print(f'{${CLUSTER_JOBS[0]} / ${CLUSTER_JOBS[2]}:.3f}')")
  fi
  bench_result --bench scale --case "$codec, $machines worker machine(s) of 1 core" --base-label "plain ffmpeg, 1 core" \
    --base "${plain[*]}" --label "cluster" --runs "${CLUSTER_JOBS[*]}" --metric speedup \
    $( [ "$machines" = 2 ] && [ "$codec" = h264 ] && echo "--target 1.85") \
    --extra "first_job_s=${CLUSTER_JOBS[0]}" ${first_third:+--extra "first_over_third=$first_third"} \
    --note "workers pinned (ops/bench/pin.sh: $("$BENCH_DIR/pin.sh" --kind)) to cores 0..$((machines - 1)); api+master unpinned; outputs frame-exact and decode-clean"
  if [ "$machines" = 2 ]; then
    bench_result --bench scale --case "$codec, ideal split on 2 cores" --base-label "plain ffmpeg, 1 core" \
      --base "${plain[*]}" --label "ideal split" --runs "${split[*]}" --metric speedup \
      --note "two halves cut at the input, each pinned to a core, then a concat join: the limit"
    bench_result --bench scale --case "$codec, 2 machines vs the ideal split" --base-label "ideal split" \
      --base "${split[*]}" --label "cluster" --runs "${CLUSTER_JOBS[*]}" --metric speedup
  fi
}

for CODEC in ${BENCH_SCALE_CODECS:-h264 hevc}; do
  use_source "$CODEC"
  log "$CODEC: $SRC_NAME, $SRC_FRAMES frames"
  measure "$CODEC" 2 "$BENCH_ROUNDS"
  measure "$CODEC" 1 $(( BENCH_ROUNDS / 2 > 2 ? BENCH_ROUNDS / 2 : 2 ))
done
bench_finish
