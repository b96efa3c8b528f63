#!/usr/bin/env bash
# The ladder job on the scale model: one add_job making a 3-rendition CMAF ladder (720p 2500k, 480p 1000k, 360p 600k,
# H.264 veryfast, AAC 128k, 4 s segments, HLS and DASH) from the 60 s 720p source, against plain ffmpeg making the
# same ladder (same sizes, bitrates, caps, key frames every 4 s, fMP4 HLS segments) in ONE command. Each "machine" is
# one core: a worker-only node started by ops/bench/pin.sh N (a cpuset cgroup of core N, or taskset), one slot; the
# api+master node runs unpinned, as a small control-plane host would. Compared in the same run, rounds alternating:
#   - plain ffmpeg's one-command ladder pinned to one core (one machine doing it by hand: the baseline);
#   - the ideal split: that same command on each half of the source, each pinned to a core of its own, in parallel
#     (the limit of any two-machine split: no packaging, no join, no exact cuts);
#   - the cluster with 1 and with 2 worker machines.
# Every cluster ladder is checked after its clock: each rendition's frame count equals the source's and it decodes
# with no error.
#   ops/bench/ladder.sh [rounds] [--json FILE]      (default 3 rounds of 2 machines; 1 machine gets 2)
# Needs 2 cores at least. Run it on a quiet machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse_args 3 "$@"
[ "$(nproc)" -ge 2 ] || die "the scale model needs 2 cores (this machine has $(nproc))"

SRC_NAME=record.bin
SRC="$BENCH_MEDIA_DIR/$SRC_NAME"
SRC_FRAMES=$(bench_frames_of "$SRC")
HALF=$(python3 -c "print($(ffprobe -v error -show_entries format=duration -of csv=p=0 "$SRC") / 2)")
FPS=$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$SRC" | awk "NF { print; exit }" | python3 -c 'import sys; n, d = sys.stdin.read().split("/"); print(round(int(n) / int(d)))')
GOP=$((FPS * 4))

# The same ladder as the job below, in one ffmpeg: one decode, a split, three encodes, the HLS muxer cutting fMP4.
# $1 input seek, $2 duration (empty: all), $3 output directory.
plain_ladder() {
  local ss=$1 t=$2 out=$3
  mkdir -p "$out"
  ffmpeg -v error -y ${ss:+-ss "$ss"} -i "file:$SRC" ${t:+-t "$t"} \
    -filter_complex "[0:v:0]split=3[a][b][c];[a]scale=1280:720[v0];[b]scale=854:480[v1];[c]scale=640:360[v2]" \
    -map "[v0]" -map "[v1]" -map "[v2]" -map 0:a:0 \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p -g "$GOP" -keyint_min "$GOP" -sc_threshold 0 \
    -force_key_frames "expr:gte(t,n_forced*4)" \
    -b:v:0 2500k -maxrate:v:0 3750k -bufsize:v:0 7500k \
    -b:v:1 1000k -maxrate:v:1 1500k -bufsize:v:1 3000k \
    -b:v:2 600k -maxrate:v:2 900k -bufsize:v:2 1800k \
    -c:a aac -b:a 128k -sn -dn \
    -f hls -hls_time 4 -hls_playlist_type vod -hls_segment_type fmp4 -master_pl_name master.m3u8 \
    -var_stream_map "v:0,agroup:aud v:1,agroup:aud v:2,agroup:aud a:0,agroup:aud" \
    -hls_segment_filename "$out/%v/seg-%05d.m4s" "$out/%v/index.m3u8"
}

plain_round() { rm -rf "$BENCH_WORK/plain"; "$BENCH_DIR/pin.sh" 0 bash -c "$(declare -f plain_ladder); SRC='$SRC' GOP=$GOP plain_ladder '' '' '$BENCH_WORK/plain'"; }

split_round() {
  rm -rf "$BENCH_WORK/split"
  "$BENCH_DIR/pin.sh" 0 bash -c "$(declare -f plain_ladder); SRC='$SRC' GOP=$GOP plain_ladder 0 '$HALF' '$BENCH_WORK/split/0'" &
  local a=$!
  "$BENCH_DIR/pin.sh" 1 bash -c "$(declare -f plain_ladder); SRC='$SRC' GOP=$GOP plain_ladder '$HALF' '$HALF' '$BENCH_WORK/split/1'" &
  local b=$!
  wait "$a" "$b"
}

# Every rendition frame-exact and decode-clean, or the run dies.
check_ladder() {
  local ladder=$1 r whole frames errors
  for r in 720p 480p 360p; do
    whole="$BENCH_WORK/check-$r.mp4"
    cat "$ladder/$r/init.mp4" "$ladder/$r"/seg-*.m4s >"$whole"
    frames=$(bench_frames_of "$whole")
    [ "$frames" = "$SRC_FRAMES" ] || die "$ladder/$r has $frames frames, the source $SRC_FRAMES"
    errors=$(ffmpeg -v error -i "$whole" -f null - 2>&1 | head -n 5)
    [ -z "$errors" ] || die "$ladder/$r does not decode cleanly: $errors"
  done
}

LADDER_JOB='"outputs":[{"type":"cmaf","name":"abr","segment_seconds":4,"renditions":[
  {"name":"720p","height":720,"video_bitrate":"2500k","max_bitrate":"3750k","audio_bitrate":"128k"},
  {"name":"480p","height":480,"video_bitrate":"1000k","max_bitrate":"1500k","audio_bitrate":"128k"},
  {"name":"360p","height":360,"video_bitrate":"600k","max_bitrate":"900k","audio_bitrate":"128k"}]}]'

CLUSTER_JOBS=()
cluster_round() {
  bench_out_dir "$1"
  touch "$SRC"
  bench_job_ok "{\"src_filename\":\"$SRC_NAME\",\"dst_dir\":\"$(basename "$BENCH_OUT")\",$(echo "$LADDER_JOB" | tr -d '\n')}"
  CLUSTER_JOBS+=("$JOB_SECONDS")
  check_ladder "$BENCH_OUT/${SRC_NAME%.*}/abr"
  rm -rf "$BENCH_OUT"
}


measure() {
  local machines=$1 rounds=$2 r side order
  plain=(); split=()
  bench_start_scale_cluster "$machines"
  CLUSTER_JOBS=()
  for r in $(seq 1 "$rounds"); do
    order=$(bench_scale_order "$machines" "$r")
    for side in $order; do
      case $side in
        plain) bench_timed plain_round; plain+=("$RUN_SECONDS") ;;
        split) bench_timed split_round; split+=("$RUN_SECONDS") ;;
        cluster) cluster_round "ladder-m$machines-r$r" ;;
      esac
    done
    printf 'ladder, %d machine(s), round %d: plain one-command ladder %.2f s%s, cluster %.2f s (%s tasks on %s workers, %s retries)\n' \
      "$machines" "$r" "${plain[-1]}" "$( [ "$machines" = 2 ] && printf ', ideal split %.2f s' "${split[-1]}")" \
      "${CLUSTER_JOBS[-1]}" "$JOB_TASKS" "$JOB_WORKERS" "$JOB_RETRIES"
  done
  bench_stop_nodes KILL
  bench_result --bench ladder --case "3-rendition ladder, $machines worker machine(s) of 1 core" \
    --base-label "plain ffmpeg one-command ladder, 1 core" --base "${plain[*]}" --label "cluster" \
    --runs "${CLUSTER_JOBS[*]}" --metric speedup \
    --note "workers pinned (ops/bench/pin.sh: $("$BENCH_DIR/pin.sh" --kind)) to cores 0..$((machines - 1)); api+master unpinned; every rendition frame-exact and decode-clean"
  if [ "$machines" = 2 ]; then
    bench_result --bench ladder --case "ladder, ideal split on 2 cores" --base-label "plain ffmpeg one-command ladder, 1 core" \
      --base "${plain[*]}" --label "ideal split" --runs "${split[*]}" --metric speedup \
      --note "the one-command ladder on each half of the source, each pinned to a core: the limit"
    bench_result --bench ladder --case "ladder, 2 machines vs the ideal split" --base-label "ideal split" \
      --base "${split[*]}" --label "cluster" --runs "${CLUSTER_JOBS[*]}" --metric speedup
  fi
}

log "ladder: $SRC_NAME, $SRC_FRAMES frames at $FPS fps"
measure 2 "$BENCH_ROUNDS"
measure 1 2
bench_finish
