#!/usr/bin/env bash
# Shared by the benchmarks: a work directory, the 60 s 1280x720 H.264+AAC source, a node of its own on free
# loopback ports, and helpers to submit a job and wait for it. Source it after setting -euo pipefail.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$REPO_ROOT"
ensure_ffmpeg

BENCH_WORK=$(mktemp -d /tmp/akka-transcode-bench.XXXXXX)
BENCH_NODE_PID=
bench_cleanup() { [ -n "$BENCH_NODE_PID" ] && kill "$BENCH_NODE_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$BENCH_WORK"; }
trap bench_cleanup EXIT

dotnet build -c Release src/Akka.Transcode.Node -v q -nologo >/dev/null
mkdir -p "$BENCH_WORK/media" "$BENCH_WORK/data"
ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 60 \
  -c:v libx264 -preset veryfast -g 60 -c:a aac -f mpegts "$BENCH_WORK/media/record.bin"

bench_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Starts the node with extra configuration arguments and waits until it is ready; sets BENCH_HTTP.
bench_start_node() {
  BENCH_HTTP=$(bench_port)
  dotnet src/Akka.Transcode.Node/bin/Release/net10.0/Akka.Transcode.Node.dll \
    --Transcode:Http:Url=http://127.0.0.1:$BENCH_HTTP --Transcode:Cluster:Port=$(bench_port) \
    --Transcode:DataDir="$BENCH_WORK/data" --Transcode:Storage:ConnectionString="Data Source=$BENCH_WORK/data/transcode.db" \
    --Transcode:Media:Roots:0="$BENCH_WORK/media" --Transcode:Auth:ClientTokens:0=bench "$@" >"$BENCH_WORK/node.log" 2>&1 &
  BENCH_NODE_PID=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$BENCH_HTTP/readyz" >/dev/null && return 0; sleep 0.5; done
  die "the node did not become ready (log: $BENCH_WORK/node.log)"
}

# Submits the job object given as JSON, waits until it ends and prints "<state> <task count>". One long-lived
# poller: starting curl and python for every poll would steal the CPU ffmpeg is measured on.
bench_run_job() {
  python3 - "http://127.0.0.1:$BENCH_HTTP/master" "$1" <<'PY'
import json, sys, time, urllib.request
base, job = sys.argv[1], json.loads(sys.argv[2])
req = urllib.request.Request(f"{base}/add_job?token=bench", json.dumps({"type": 0, "job": job}).encode())
job_id = json.load(urllib.request.urlopen(req))["job_id"]
while True:
    j = json.load(urllib.request.urlopen(f"{base}/get_job?token=bench&job_id={job_id}"))["job"]
    if j["state"] >= 3: print(j["state"], j["tasks"]["count"]); break
    time.sleep(0.1)
PY
}

# A node just started spends its first seconds compiling hot code (tiered JIT) on the cores ffmpeg is measured on.
# A cluster runs for days: benchmarks measure it warm, after one untimed job of the kind they time.
bench_warm_up() {
  local state
  read -r state _ < <(bench_run_job "$1")
  [ "$state" = 3 ] || die "the warm-up job ended in state $state (log: $BENCH_WORK/node.log)"
}

bench_now() { date +%s.%N; }

# Prints the medians of two space-separated lists of seconds and their ratio (second / first).
bench_medians() {
  python3 - "$@" <<'PY'
import statistics, sys
names = sys.argv[1], sys.argv[3]
a = [float(x) for x in sys.argv[2].split()]; b = [float(x) for x in sys.argv[4].split()]
ma, mb = statistics.median(a), statistics.median(b)
print(f"median: {names[0]} {ma:.2f} s, {names[1]} {mb:.2f} s, {names[1]}/{names[0]} {mb / ma:.2f}")
PY
}
