#!/usr/bin/env bash
# Control-plane benchmarks (issue 7, docs/performance.md), on SQLite and then on PostgreSQL (fsync on):
#   cold start   a master node (api,master) from process start to /readyz
#   add_job      throughput and latency from 32 clients, every job stored before its answer; the master has no
#                worker, so nothing but accepting jobs runs (500 untimed jobs warm it up first, the timed ones
#                wait until the node's CPU has settled after them, and the load generator's own first 300 calls
#                are not timed either)
#   first task   a new worker node (instant executor) from process start to its first finished job
#   get_job      p99 of random stored jobs, once the worker has finished every job
#   get_jobs     p99 of limit 10 newest first (a tenth of the calls page deep; reported together and apart)
#   memory       the master's RSS with every job finished and its entities passivated
# Usage: ops/bench/control-plane.sh [--json FILE]
# Environment: BENCH_JOBS (jobs stored, default 6000 so that ops/bench/run.sh stays within 10 minutes; the targets speak of 100000), BENCH_CLIENTS (32),
# BENCH_PROVIDERS ("sqlite postgres"), TRANSCODE_TEST_PG (use this server instead of a throwaway one; its
# durability settings are then its own).
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$REPO_ROOT"
ensure_ffmpeg
ensure_dotnet

json=${BENCH_JSON:-}
if [ "${1:-}" = "--json" ]; then json=$(realpath -m "$2"); fi
jobs=${BENCH_JOBS:-6000}
clients=${BENCH_CLIENTS:-32}
providers=${BENCH_PROVIDERS:-sqlite postgres}

work=$(mktemp -d /tmp/akka-transcode-cp.XXXXXX)
pids=()
CLEANUP+=("rm -rf '$work'")
on_exit() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  run_cleanup
}
trap on_exit EXIT

# The node as ops/start.sh runs it (ReadyToRun, tiered compilation off: lib.sh's publish_node).
[ -n "${BENCH_SKIP_BUILD:-}" ] || publish_node -v q -nologo >/dev/null
dotnet build -c Release tests/Akka.Transcode.Benchmarks -v q -nologo >/dev/null
NODE=$NODE_DLL
LOAD=(dotnet tests/Akka.Transcode.Benchmarks/bin/Release/net10.0/Akka.Transcode.Benchmarks.dll)
mkdir -p "$work/media"
# A tiny source: the instant worker copies it, so only the control plane is measured.
ffmpeg -v error -f lavfi -i testsrc2=size=160x120:rate=10 -t 1 -c:v libx264 -f mpegts "$work/media/record.bin"

now() { date +%s.%N; }
emit() { [ -z "$json" ] || printf '%s\n' "$1" >>"$json"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
wait_ready() {
  local url=$1 pid=$2 log=$3
  for _ in $(seq 1 1200); do
    curl -sf "$url/readyz" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || die "the node exited (log: $log)"
    sleep 0.05
  done
  die "the node did not become ready (log: $log)"
}

# Until the process uses under 10 % of a core over half a second (at most 20 s).
wait_settled() {
  local pid=$1 a b
  for _ in $(seq 1 40); do
    a=$(awk '{print $14+$15}' "/proc/$pid/stat")
    sleep 0.5
    b=$(awk '{print $14+$15}' "/proc/$pid/stat")
    [ $((b - a)) -lt 5 ] && return 0
  done
}

run_provider() {
  local provider=$1
  local cs dir=$work/$1 http cport t0 t ready master worker first start
  mkdir -p "$dir/data" "$dir/wdata"
  case $provider in
    sqlite) cs="Data Source=$dir/data/transcode.db" ;;
    postgres)
      if [ -z "${TRANSCODE_TEST_PG:-}" ]; then
        PG_FSYNC=on start_postgres
        CLEANUP+=("$PG_STOP")
      fi
      local db="bench_$(date +%s%N)"
      python3 - "$TRANSCODE_TEST_PG" "$db" <<'PY'
import subprocess, sys
kv = dict(p.split("=", 1) for p in sys.argv[1].split(";") if p)
subprocess.run(["psql", "-q", "-h", kv["Host"], "-p", kv.get("Port", "5432"), "-U", kv.get("Username", "postgres"),
                "-d", kv.get("Database", "postgres"), "-c", f'CREATE DATABASE "{sys.argv[2]}"'], check=True)
PY
      cs="$(sed 's/Database=[^;]*//' <<<"$TRANSCODE_TEST_PG");Database=$db"
      ;;
    *) die "unknown provider $provider" ;;
  esac
  http=$(free_port); cport=$(free_port)
  local common=(--Transcode:Media:Roots:0="$work/media" --Transcode:Auth:ClientTokens:0=bench-client-token
    --Transcode:Auth:WorkerTokens:0=bench-worker-token --Transcode:Auth:AdminTokens:0=bench-admin-token)

  t0=$(now)
  dotnet "$NODE" "${common[@]}" --Transcode:Roles=api,master --Transcode:Http:Url="http://127.0.0.1:$http" \
    --Transcode:Cluster:Port="$cport" --Transcode:DataDir="$dir/data" --Transcode:Storage:Provider="$provider" \
    --Transcode:Storage:ConnectionString="$cs" --Transcode:Jobs:IdlePassivationSeconds=5 \
    --Transcode:Jobs:MaxQueued=0 >"$dir/master.log" 2>&1 &
  master=$!; pids+=("$master")
  wait_ready "http://127.0.0.1:$http" "$master" "$dir/master.log"
  ready=$(echo "$(now) - $t0" | bc)
  printf '%-8s cold start  %.2f s to ready (master, fresh database)\n' "$provider" "$ready"
  emit "{\"provider\":\"$provider\",\"call\":\"cold_start\",\"seconds\":$ready}"

  local url="http://127.0.0.1:$http"
  "${LOAD[@]}" add-jobs --url "$url" --token bench-client-token --jobs 500 --clients "$clients" >/dev/null || true
  # The runtime compiles the hot paths again, optimised, in the background for a few seconds after the warm-up
  # (up to 3 s of CPU on 2 cores): measured in the middle of that, add_job shows the JIT, not the node.
  wait_settled "$master"
  printf '%-8s ' "$provider"
  "${LOAD[@]}" add-jobs --url "$url" --token bench-client-token --jobs "$jobs" --warmup 300 --clients "$clients" \
    --ids "$dir/ids" ${json:+--json "$json"} --tag "$provider"

  # A worker node joins; the backlog of every job waits for it.
  t0=$(now)
  dotnet "$NODE" "${common[@]}" --Transcode:Roles=worker --Transcode:Http:Url="http://127.0.0.1:$(free_port)" \
    --Transcode:Cluster:Port="$(free_port)" --Transcode:Cluster:Seeds:0="akka.tcp://transcode@127.0.0.1:$cport" \
    --Transcode:DataDir="$dir/wdata" --Transcode:Worker:Executor=instant --Transcode:Worker:Slots=32 \
    >"$dir/worker.log" 2>&1 &
  worker=$!; pids+=("$worker")
  for _ in $(seq 1 2400); do
    first=$(curl -sf "$url/master/get_jobs?token=bench-client-token&limit=1&state=3" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])' || echo 0)
    [ "$first" -gt 0 ] && break
    sleep 0.05
  done
  t=$(echo "$(now) - $t0" | bc)
  printf '%-8s first task  %.2f s from a new worker process to its first finished job\n' "$provider" "$t"
  emit "{\"provider\":\"$provider\",\"call\":\"first_task\",\"seconds\":$t}"

  start=$(now)
  "${LOAD[@]}" wait --url "$url" --token bench-client-token --total $((jobs + 800)) --timeout 1800 >/dev/null
  t=$(echo "$(now) - $start" | bc)
  printf '%-8s drained     %d jobs finished %.0f s after the worker joined\n' "$provider" $((jobs + 800)) "$t"

  printf '%-8s ' "$provider"; "${LOAD[@]}" get-job --url "$url" --token bench-client-token --ids "$dir/ids" --warmup 300 --requests 10000 --clients 8 ${json:+--json "$json"} --tag "$provider"
  # Three lines: all calls, the newest page (the target's call) and the deep tenth (random start_index).
  "${LOAD[@]}" get-jobs --url "$url" --token bench-client-token --warmup 300 --requests 10000 --clients 8 ${json:+--json "$json"} --tag "$provider" \
    | sed "s/^/$(printf '%-8s ' "$provider")/"

  # Entities passivate after 5 s idle here; the figure is the master's resident memory once they have.
  sleep 8
  local rss heap; rss=$(rss_mb "$master")
  # The live heap forces a full GC, so it is read after RSS.
  heap=$("${LOAD[@]}" heap --pid "$master" 2>/dev/null || echo null)
  printf '%-8s memory      master RSS %s MB, live heap %s MB, with %d jobs finished\n' "$provider" "$rss" "$heap" $((jobs + 800))
  emit "{\"provider\":\"$provider\",\"call\":\"rss\",\"jobs\":$((jobs + 800)),\"rss_mb\":$rss,\"live_heap_mb\":$heap}"
  kill "$worker" "$master" 2>/dev/null || true
  wait "$worker" "$master" 2>/dev/null || true
}

log "control plane: $jobs jobs per provider, $clients clients ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
for p in $providers; do run_provider "$p"; done
