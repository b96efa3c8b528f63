#!/usr/bin/env bash
# Chunked speed-up: a 60 s 1280x720 H.264+AAC source re-encoded to mp4 (libx264 veryfast, crf 23) by a single node
# with N worker slots and one ffmpeg thread per task, against one plain ffmpeg with all threads on the same file.
# Both sides alternate on the same machine; prints each round, the medians and the ratio.
#   ops/bench/speedup.sh [rounds] [slots]     (defaults 5 and 2)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$REPO_ROOT"
ensure_ffmpeg
rounds=${1:-5}; slots=${2:-2}
work=$(mktemp -d /tmp/akka-transcode-bench.XXXXXX)
node_pid=
cleanup() { [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

dotnet build -c Release src/Akka.Transcode.Node -v q -nologo >/dev/null
mkdir -p "$work/media" "$work/data"
ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 60 \
  -c:v libx264 -preset veryfast -g 60 -c:a aac -f mpegts "$work/media/record.bin"

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
http=$(port); akka=$(port)
dotnet src/Akka.Transcode.Node/bin/Release/net10.0/Akka.Transcode.Node.dll \
  --Transcode:Http:Url=http://127.0.0.1:$http --Transcode:Cluster:Port=$akka --Transcode:DataDir="$work/data" \
  --Transcode:Storage:ConnectionString="Data Source=$work/data/transcode.db" --Transcode:Media:Roots:0="$work/media" \
  --Transcode:Auth:ClientTokens:0=bench --Transcode:Worker:Slots=$slots --Transcode:Worker:ThreadsPerTask=1 \
  >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$http/readyz" >/dev/null && break; sleep 0.5; done

api_round() {
  local dir=$1 id state=0
  id=$(curl -s "http://127.0.0.1:$http/master/add_job?token=bench" -d "{\"type\":0,\"job\":{\"src_filename\":\"record.bin\",\"dst_dir\":\"$dir\",\"dst_format\":\"mp4\",\"video_codec\":\"h264\"}}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["job_id"])')
  state=$(wait_job "$id")
  [ "$state" = 3 ] || { echo "job $id ended in state $state" >&2; exit 1; }
  tasks=$(curl -s "http://127.0.0.1:$http/master/get_job?token=bench&job_id=$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"]["tasks"]["count"])')
}
plain_round() {
  ffmpeg -v error -y -i "$work/media/record.bin" -map 0:v:0 -map 0:a:0 -c:v libx264 -preset veryfast -crf 23 \
    -pix_fmt yuv420p -c:a copy -f mp4 "$work/plain.mp4"
}
# One long-lived poller: starting curl and python for every poll would steal the CPU ffmpeg is measured on.
wait_job() {
  python3 - "http://127.0.0.1:$http/master/get_job?token=bench&job_id=$1" <<'PY'
import json, sys, time, urllib.request
while True:
    state = json.load(urllib.request.urlopen(sys.argv[1]))["job"]["state"]
    if state >= 3: print(state); break
    time.sleep(0.1)
PY
}
now() { date +%s.%N; }
api=(); plain=()
for r in $(seq 1 "$rounds"); do
  t=$(now); plain_round; p=$(echo "$(now) - $t" | bc)
  t=$(now); api_round "r$r"; a=$(echo "$(now) - $t" | bc)
  api+=("$a"); plain+=("$p")
  printf 'round %d: plain ffmpeg %.2f s, cluster %.2f s (%s tasks, %s slots)\n' "$r" "$p" "$a" "$tasks" "$slots"
done
python3 - "${api[*]}" "${plain[*]}" <<'PY'
import statistics, sys
a = [float(x) for x in sys.argv[1].split()]; p = [float(x) for x in sys.argv[2].split()]
ma, mp = statistics.median(a), statistics.median(p)
print(f"median: plain ffmpeg {mp:.2f} s, cluster {ma:.2f} s, speed-up {mp / ma:.2f}x")
PY
