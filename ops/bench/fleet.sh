#!/usr/bin/env bash
# How far one master group scales (issue 17, docs/performance.md): one api+master node (SQLite) driven by a fleet
# of simulated HTTP workers (ops/bench/fleet.py: one Python process, each worker on a loopback address of its own,
# registering and heartbeating as docs/worker-protocol.md says and completing every task at once as the instant
# executor does). So the master's side is what is measured:
#   idle       master CPU, RSS and live heap with 0 and then each count of idle registered workers: the heartbeat
#              load per worker and the memory per worker
#   dispatch   jobs (a 60 s source chunked into 5 s tasks plus the join) submitted to keep the queue full; tasks/s
#              counted from the jobs that completed inside the window (task counts from the job list), after a
#              warm-up, and the master's CPU per task
#   busy       every slot holding an attempt the worker reports running: the cost of polling running attempts
# Usage: ops/bench/fleet.sh [--json FILE]        (4-5 minutes on a loaded 2-core machine, the build aside)
# Environment: FLEET_COUNTS (idle fleet sizes, rising, default 50,200,500; the last one is also the busy and dispatch
# fleet), FLEET_SLOTS (slots per worker, 2), FLEET_IDLE_SECONDS (12), FLEET_HOLD_SECONDS (15; 0 skips the busy phase),
# FLEET_WARMUP_SECONDS (10, after the first 32 jobs ended), FLEET_WINDOW_SECONDS (30).
# The master and the fleet share the machine's cores: the fleet's own CPU is printed beside every figure, and on a
# machine with few cores the tasks/s is a floor. Run it on a quiet machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BENCH_JSON=${BENCH_JSON:-}
while [ $# -gt 0 ]; do
  case $1 in
    --json) [ $# -ge 2 ] || die "--json needs a file name"; BENCH_JSON=$2; shift 2 ;;
    --json=*) BENCH_JSON=${1#--json=}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (usage: $(basename "$0") [--json FILE])" ;;
  esac
done
if [ -n "$BENCH_JSON" ] && [ "${BENCH_JSON#/}" = "$BENCH_JSON" ]; then BENCH_JSON="$BENCH_CALLER_DIR/$BENCH_JSON"; fi

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  publish_node -v q -nologo >/dev/null || die "the node's publish failed"
fi
# The live heap (after a full GC, through the diagnostics port) is read by the control-plane load generator.
dotnet build -c Release tests/Akka.Transcode.Benchmarks -v q -nologo >/dev/null || die "the build of the load generator failed"
HEAP_CMD="dotnet $REPO_ROOT/tests/Akka.Transcode.Benchmarks/bin/Release/net10.0/Akka.Transcode.Benchmarks.dll heap --pid {pid}"

# A 60 s source of 11 KB (a plain picture and silence): the simulated workers copy it as the instant executor
# would, so what each task costs is the master's bookkeeping, not bytes. Encoded video (h264) is chunked into 5 s
# tasks.
BENCH_MEDIA_DIR="$BENCH_WORK/media"
mkdir -p "$BENCH_MEDIA_DIR"
ffmpeg -v error -f lavfi -i color=c=gray:size=64x48:rate=5 -f lavfi -i anullsrc=r=8000:cl=mono -t 60 \
  -c:v libx264 -preset ultrafast -crf 45 -g 25 -c:a aac -b:a 8k -f matroska "$BENCH_MEDIA_DIR/fleet.mkv"
for i in $(seq 0 63); do mkdir -p "$BENCH_MEDIA_DIR/fleet-out/$(printf '%03d' "$i")"; done

log "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Workers on the master's own machine: loopback must be allowed, and every simulated worker has an address of its
# own, so the per-address cap stays the default.
bench_start_node --Transcode:Roles=api,master --Transcode:Auth:WorkerTokens:0=bench-worker-token \
  --Transcode:Worker:AllowedNetworks:0=127.0.0.0/8
master_pid=${BENCH_NODE_PIDS[-1]}

args=(--url "http://127.0.0.1:$BENCH_HTTP" --pid "$master_pid" --source fleet.mkv
  --counts "${FLEET_COUNTS:-50,200,500}" --slots "${FLEET_SLOTS:-2}" --idle "${FLEET_IDLE_SECONDS:-12}"
  --hold "${FLEET_HOLD_SECONDS:-15}" --warmup "${FLEET_WARMUP_SECONDS:-10}" --window "${FLEET_WINDOW_SECONDS:-30}"
  --heap-cmd "$HEAP_CMD")
[ -z "$BENCH_JSON" ] || args+=(--json "$BENCH_JSON")
python3 "$BENCH_DIR/fleet.py" "${args[@]}" || die "the fleet benchmark failed (master log: $BENCH_NODE_LOG; BENCH_KEEP=1 keeps it)"
[ -z "$BENCH_JSON" ] || log "results written to $BENCH_JSON"
log "fleet benchmark: ${SECONDS} s"
