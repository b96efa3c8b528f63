#!/usr/bin/env bash
# Chunk boundaries and quality: record.bin re-encoded to mp4 (libx264 veryfast, AAC copied) by a chunked cluster
# job (one node, 4 slots of one thread: the planner cuts 4 frame-exact chunks and joins them) against a single-pass
# job of the same settings (one node, 1 slot of one thread: one task), and plain ffmpeg with the worker's own
# encoder arguments as a reference. Once at crf 23 (the default) and once at video_bitrate 2 Mb/s. Every output is
# compared with the source frame for frame (PSNR and SSIM, ffmpeg's psnr and ssim filters; frame counts checked).
# Targets: at crf 23 the chunked file's video within 1 % of the single pass's size and its PSNR within 0.05 dB; at
# 2 Mb/s the video bitrate (the video packets' bytes over the stream's duration) within 3 % of the target, chunked
# and single pass both. Also PSNR and bytes in the first frames of each chunk against the same frames of the
# single pass. Quality does not depend on timing: one run, no rounds, a busy machine only makes it slower (about
# 4 minutes on 2 idle cores, by its CPU time; 9 with the cores shared at a load average of 11-15).
#   ops/bench/quality.sh [--json FILE]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
bench_parse_args 1 "$@"

TARGET_BPS=2000000
# Frames after each chunk start counted as "at the boundary": half a second.
WINDOW=15
declare -A JOB_FIELDS=(
  [crf]='"dst_format":"mp4","video_codec":"h264"'
  [rate]="\"dst_format\":\"mp4\",\"video_codec\":\"h264\",\"video_bitrate\":$TARGET_BPS"
)
# FfmpegCommand.VideoEncoder for h264 (veryfast; -b:v replaces -crf), with the one thread the nodes below give a
# task: x264's output depends on its thread count, and with the same count the single pass is the same encode.
declare -A RATE_ARGS=([crf]="-crf 23" [rate]="-b:v $TARGET_BPS")
plain() {
  # shellcheck disable=SC2086 # the rate arguments are two words
  ffmpeg -hide_banner -v error -y -threads 1 -i "file:$BENCH_SOURCE" -map 0:v:0 -map 0:a:0 -c:v libx264 \
    -preset veryfast ${RATE_ARGS[$1]} -pix_fmt yuv420p -c:a copy -sn -dn -threads 1 -f mp4 "file:$BENCH_WORK/plain-$1.mp4"
}

# Runs the job of kind $1 (crf, rate) on the running node; its output becomes $BENCH_WORK/$2-$1.mp4 and its
# task_list $BENCH_WORK/$2-$1.tasks.json.
cluster() {
  bench_out_dir "$2-$1"
  export BENCH_JOB_DETAIL="$BENCH_WORK/$2-$1.tasks.json"
  bench_job_ok "{\"src_filename\":\"record.bin\",\"dst_dir\":\"$(basename "$BENCH_OUT")\",${JOB_FIELDS[$1]}}"
  unset BENCH_JOB_DETAIL
  mv "$BENCH_OUT/record.mp4" "$BENCH_WORK/$2-$1.mp4"
  rm -rf "$BENCH_OUT"
  log "${SECONDS} s: $2 $1 job: $JOB_TASKS tasks in $JOB_SECONDS s"
}
video_tasks() { python3 -c 'import json,sys; print(sum(t["kind"] == "video" for t in json.load(open(sys.argv[1]))))' "$1"; }

log "${SECONDS} s: plain ffmpeg, crf and bitrate at once (one thread each)"
plain crf & p1=$!
plain rate & p2=$!
wait "$p1" || die "plain ffmpeg (crf) failed"
wait "$p2" || die "plain ffmpeg (bitrate) failed"

# MaxTaskSeconds above the source's 60 s: the cap never splits a job, the slots alone decide.
bench_start_node --Transcode:Worker:Slots=1 --Transcode:Worker:ThreadsPerTask=1 --Transcode:Planning:MaxTaskSeconds=120
bench_wait_slots 1
for kind in crf rate; do
  cluster "$kind" single
  [ "$JOB_TASKS" = 1 ] || die "the single-pass job was planned into $JOB_TASKS tasks, not one"
done
bench_stop_nodes KILL

bench_start_node --Transcode:Worker:Slots=4 --Transcode:Worker:ThreadsPerTask=1 --Transcode:Planning:MaxTaskSeconds=120
bench_wait_slots 4
for kind in crf rate; do
  cluster "$kind" chunked
  chunks=$(video_tasks "$BENCH_WORK/chunked-$kind.tasks.json")
  [ "$chunks" = 4 ] || die "the chunked job was planned into $chunks video chunks, not 4 ($JOB_TASKS tasks)"
done
bench_stop_nodes KILL

log "${SECONDS} s: PSNR and SSIM of 6 outputs against the source, two at a time"
for name in {plain,single,chunked}-{crf,rate}; do echo "$name"; done |
  xargs -P 2 -I{} sh -c 'mkdir -p "$1/{}.q" && python3 "$2/quality.py" measure "$1/{}.mp4" "$3" "$1/{}.q" >"$1/{}.json"' \
    _ "$BENCH_WORK" "$BENCH_DIR" "$BENCH_SOURCE" || die "a quality measurement failed"

# q <name> <field>: one figure of a measurement.
q() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$BENCH_WORK/$1.json" "$2"; }
# The frames each chunk starts at, from the job's task_list. Its times are the container's: the first chunk starts
# at the first video frame, 21 ms in (the audio starts first).
chunk_starts() {
  python3 -c 'import json,sys
tasks = sorted((t for t in json.load(open(sys.argv[1])) if t["kind"] == "video"), key=lambda t: t["from_time"])
print(" ".join(str(round((t["from_time"] - tasks[0]["from_time"]) * float(sys.argv[2]))) for t in tasks))' \
    "$BENCH_WORK/chunked-$1.tasks.json" "$(q "chunked-$1" fps)"
}
video_md5() { ffmpeg -v error -i "file:$1" -map 0:v:0 -c copy -f md5 - | cut -d= -f2; }
mb() { python3 -c "print(f'{$1 / 1e6:.6f}')"; }
frame_note() {
  local n
  echo -n "frames: source $(q "single-$1" source_frames), plain $(q "plain-$1" frames), single pass $(q "single-$1" frames), chunked $(q "chunked-$1" frames), paired by index"
  for n in plain single chunked; do echo -n "; $n: $(q "$n-$1" aligned_by)"; done
}

for kind in crf rate; do
  label=$([ "$kind" = crf ] && echo "crf 23" || echo "$((TARGET_BPS / 1000000)) Mb/s")
  starts=$(chunk_starts "$kind")
  common=(--bench quality --extra "chunk_starts=$starts" --extra "frames_source=$(q "single-$kind" source_frames)")
  for n in plain single chunked; do common+=(--extra "frames_$n=$(q "$n-$kind" frames)"); done
  note=$(frame_note "$kind")
  if [ "$kind" = crf ]; then
    bench_result "${common[@]}" --case "$label: video size" --base-label "single pass" --base "$(mb "$(q single-crf video_bytes)")" \
      --label chunked --runs "$(mb "$(q chunked-crf video_bytes)")" --metric deviation --unit MB --target 0.01
  fi
  bench_result "${common[@]}" --case "$label: PSNR" --base-label "single pass" --base "$(q "single-$kind" psnr)" \
    --label chunked --runs "$(q "chunked-$kind" psnr)" --metric difference --unit dB \
    $([ "$kind" = crf ] && echo "--target 0.05") --note "$note"
  bench_result "${common[@]}" --case "$label: SSIM" --base-label "single pass" --base "$(q "single-$kind" ssim)" \
    --label chunked --runs "$(q "chunked-$kind" ssim)" --metric difference --unit -
  if [ "$kind" = rate ]; then
    for n in chunked single plain; do
      side=$([ $n = single ] && echo "single pass" || echo $n)
      bench_result --bench quality --case "$label: video bitrate, $side" \
        --base-label target --base "$((TARGET_BPS / 1000))" --label "$side" --runs "$(q "$n-rate" video_kbps)" \
        --metric deviation --unit kb/s $([ $n = plain ] || echo "--target 0.03") \
        --extra "video_bytes=$(q "$n-rate" video_bytes)" --extra "duration_s=$(q "$n-rate" duration_s)"
    done
  else
    bench_result --bench quality --case "$label: video bitrate (no target)" --base-label "single pass" \
      --base "$(q single-crf video_kbps)" --label chunked --runs "$(q chunked-crf video_kbps)" --metric deviation --unit kb/s
  fi
  # The reference: the single-pass job runs the same encode as plain ffmpeg, so its video should be the same bytes.
  same=$([ "$(video_md5 "$BENCH_WORK/single-$kind.mp4")" = "$(video_md5 "$BENCH_WORK/plain-$kind.mp4")" ] && echo yes || echo no)
  bench_result --bench quality --case "$label: single pass vs plain ffmpeg, PSNR" --base-label "plain ffmpeg" \
    --base "$(q "plain-$kind" psnr)" --label "single pass" --runs "$(q "single-$kind" psnr)" --metric difference \
    --unit dB --extra "video_identical=$same"
  # Where chunking could cost: the first frames of every chunk but the first (a forced key frame, rate control
  # starting afresh), against the same frames of the single pass, and every other frame.
  b=$(python3 "$BENCH_DIR/quality.py" boundaries "$BENCH_WORK/single-$kind.json" "$BENCH_WORK/chunked-$kind.json" "$starts" "$WINDOW")
  read -r near far pn_s pn_c pf_s pf_c bn_s bn_c bf_s bf_c < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1])
print(d["frames_near"], d["frames_far"], *d["psnr_near"], *d["psnr_far"], *d["bytes_near"], *d["bytes_far"])' "$b")
  bench_result --bench quality --case "$label: PSNR, first $WINDOW frames of chunks 2-4" --base-label "single pass" \
    --base "$pn_s" --label chunked --runs "$pn_c" --metric difference --unit dB \
    --extra "frames=$near" --extra "bytes_single=$bn_s" --extra "bytes_chunked=$bn_c" \
    --note "the $near frames from the 3 inner chunk starts (chunks start at frames $starts): $(python3 -c "print(f'{($bn_c - $bn_s) / 1e3:+.1f} kB ({($bn_c / $bn_s - 1) * 100:+.1f} %)')") in the chunked file"
  bench_result --bench quality --case "$label: PSNR, every other frame" --base-label "single pass" \
    --base "$pf_s" --label chunked --runs "$pf_c" --metric difference --unit dB \
    --extra "frames=$far" --extra "bytes_single=$bf_s" --extra "bytes_chunked=$bf_c"
done
bench_finish
