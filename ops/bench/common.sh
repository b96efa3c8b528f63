#!/usr/bin/env bash
# Shared by the data-plane benchmarks: arguments ([rounds], --json FILE), a work directory, the 60 s 1280x720
# 30 fps H.264+AAC source (made once per run: BENCH_MEDIA reuses one an earlier script made), nodes of their own
# on free loopback ports (a first node and worker-only nodes joined to it), a job runner, timing and results.
# Source it after setting -euo pipefail, then call bench_parse_args <default rounds> "$@" (which builds the node
# and makes the source).
BENCH_CALLER_DIR=$PWD
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
cd "$REPO_ROOT"
ensure_ffmpeg
ensure_dotnet

BENCH_DIR="$REPO_ROOT/ops/bench"
# The node as ops/start.sh runs it (publish_node, lib.sh); BENCH_NODE_DLL may name another build to compare.
BENCH_NODE_DLL=${BENCH_NODE_DLL:-$NODE_DLL}
BENCH_WORK=$(mktemp -d /tmp/akka-transcode-bench.XXXXXX)
BENCH_RESULTS="$BENCH_WORK/results.jsonl"
BENCH_NODE_PIDS=()
BENCH_NODE_SEQ=0
BENCH_OUT_DIRS=()
: >"$BENCH_RESULTS"

bench_cleanup() {
  bench_stop_nodes
  local d
  for d in "${BENCH_OUT_DIRS[@]}"; do rm -rf "$d"; done
  # BENCH_KEEP=1 keeps the node logs and databases to look into.
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $BENCH_WORK"; else rm -rf "$BENCH_WORK"; fi
  rm -f "$FREE_PORTS_FILE"
}
trap bench_cleanup EXIT

# [rounds] and --json FILE (BENCH_JSON in the environment does the same); sets BENCH_ROUNDS (default: $1).
bench_parse_args() {
  local default_rounds=$1; shift
  BENCH_JSON=${BENCH_JSON:-}
  BENCH_ROUNDS=$default_rounds
  while [ $# -gt 0 ]; do
    case $1 in
      --json) [ $# -ge 2 ] || die "--json needs a file name"; BENCH_JSON=$2; shift 2 ;;
      --json=*) BENCH_JSON=${1#--json=}; shift ;;
      -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
      [0-9]*) BENCH_ROUNDS=$1; shift ;;
      *) die "unknown argument $1 (usage: $(basename "$0") [rounds] [--json FILE])" ;;
    esac
  done
  # BENCH_ROUNDS_ALL in the environment sets the rounds of every script (1 for a quick check of the scripts).
  if [ -n "${BENCH_ROUNDS_ALL:-}" ]; then BENCH_ROUNDS=$BENCH_ROUNDS_ALL; fi
  [ "$BENCH_ROUNDS" -ge 1 ] || die "rounds must be at least 1"
  if [ -n "$BENCH_JSON" ] && [ "${BENCH_JSON#/}" = "$BENCH_JSON" ]; then BENCH_JSON="$BENCH_CALLER_DIR/$BENCH_JSON"; fi
  bench_prepare
}

# The node's publish, as ops/start.sh does it (skipped when a caller, data-plane.sh, has just done it), and the
# media root every node of this script uses. record.bin is the source the benchmarks time; warm.bin is its first 10 s (stream copied, so the same format
# and codecs) for warm-up jobs of the same kind that cost little.
bench_prepare() {
  if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    publish_node -v q -nologo >/dev/null || die "the node's publish failed"
  fi
  if [ -n "${BENCH_MEDIA:-}" ] && [ -f "$BENCH_MEDIA/record.bin" ] && [ -f "$BENCH_MEDIA/warm.bin" ]; then
    BENCH_MEDIA_DIR=$BENCH_MEDIA
  else
    BENCH_MEDIA_DIR="$BENCH_WORK/media"
    mkdir -p "$BENCH_MEDIA_DIR"
    ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 60 \
      -c:v libx264 -preset veryfast -g 60 -c:a aac -f mpegts "$BENCH_MEDIA_DIR/record.bin"
    ffmpeg -v error -i "$BENCH_MEDIA_DIR/record.bin" -t 10 -map 0 -c copy -f mpegts "$BENCH_MEDIA_DIR/warm.bin"
  fi
  BENCH_SOURCE="$BENCH_MEDIA_DIR/record.bin"
}


# Sets BENCH_OUT to a new directory for one job's output inside the media root (named after the script and $1),
# removed at exit at the latest. Not for $(...): the list of directories to remove lives in this shell.
bench_out_dir() {
  BENCH_OUT="$BENCH_MEDIA_DIR/$(basename "$0" .sh)-$1"
  rm -rf "$BENCH_OUT"
  BENCH_OUT_DIRS+=("$BENCH_OUT")
}


# Waits for a node's /readyz; fails at once if the process ended.
bench_wait_ready() {
  local url=$1 pid=$2 log=$3
  for _ in $(seq 1 240); do
    curl -sf "$url/readyz" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || die "the node exited before it was ready (log: $log)"; sleep 0.25
  done
  die "the node did not become ready (log: $log)"
}

# The nodes' environment: none of the runtime's settings, so they run as shipped (ReadyToRun without tiered
# compilation, from the node's runtimeconfig). BENCH_TIERED_JIT=1 turns tiering back on, to see what it costs.
# (An array for env, not a function: a function run in the background is a subshell, and $! would name it.)
BENCH_NODE_ENV=(DOTNET_NOLOGO=1)
[ "${BENCH_TIERED_JIT:-0}" = 1 ] && BENCH_NODE_ENV=(DOTNET_TieredCompilation=1)
# What the next node is started under: "taskset -c 1" pins it (and the ffmpeg it starts) to one core, a stand-in for
# a machine of its own (scale.sh). Empty: the node may use every core.
BENCH_NODE_PREFIX=()

# Starts the first node (every role unless the arguments say otherwise) with a database of its own, waits until it
# is ready; sets BENCH_HTTP, BENCH_CLUSTER_PORT and BENCH_NODE_LOG. A default node (no arguments) is the one
# BENCH_SHARED_NODE names ("<http port> <cluster port> <pid> <log>") when a caller (data-plane.sh) started one for
# several scripts: it is used and left running.
BENCH_SHARED_PID=
bench_start_node() {
  if [ $# = 0 ] && [ -n "${BENCH_SHARED_NODE:-}" ]; then
    read -r BENCH_HTTP BENCH_CLUSTER_PORT BENCH_SHARED_PID BENCH_NODE_LOG <<<"$BENCH_SHARED_NODE"
    kill -0 "$BENCH_SHARED_PID" 2>/dev/null || die "the shared node $BENCH_SHARED_PID is not running"
    BENCH_NODE_PIDS+=("$BENCH_SHARED_PID")
    return 0
  fi
  local dir="$BENCH_WORK/node$BENCH_NODE_SEQ"; BENCH_NODE_SEQ=$((BENCH_NODE_SEQ + 1))
  mkdir -p "$dir"
  BENCH_HTTP=$(free_port); BENCH_CLUSTER_PORT=$(free_port); BENCH_NODE_LOG="$dir/node.log"
  "${BENCH_NODE_PREFIX[@]}" env "${BENCH_NODE_ENV[@]}" dotnet "$BENCH_NODE_DLL" \
    --Transcode:Http:Url=http://127.0.0.1:$BENCH_HTTP --Transcode:Cluster:Port=$BENCH_CLUSTER_PORT \
    --Transcode:DataDir="$dir" --Transcode:Storage:ConnectionString="Data Source=$dir/transcode.db" \
    --Transcode:Media:Roots:0="$BENCH_MEDIA_DIR" --Transcode:Auth:ClientTokens:0=bench-client-token \
    --Transcode:Auth:AdminTokens:0=bench-admin-token "$@" >"$BENCH_NODE_LOG" 2>&1 &
  BENCH_NODE_PIDS+=($!)
  bench_wait_ready "http://127.0.0.1:$BENCH_HTTP" "$!" "$BENCH_NODE_LOG"
  log "${SECONDS} s: node ready on 127.0.0.1:$BENCH_HTTP ($*)"
}

# Starts a worker-only node that joins the first node on loopback (docs/operations.md), with the same media root.
bench_start_worker_node() {
  local dir="$BENCH_WORK/node$BENCH_NODE_SEQ" http; BENCH_NODE_SEQ=$((BENCH_NODE_SEQ + 1))
  mkdir -p "$dir"
  http=$(free_port)
  "${BENCH_NODE_PREFIX[@]}" env "${BENCH_NODE_ENV[@]}" dotnet "$BENCH_NODE_DLL" --Transcode:Roles=worker \
    --Transcode:Cluster:Seeds:0=akka.tcp://transcode@127.0.0.1:$BENCH_CLUSTER_PORT \
    --Transcode:Http:Url=http://127.0.0.1:$http --Transcode:Cluster:Port=$(free_port) \
    --Transcode:DataDir="$dir" --Transcode:Media:Roots:0="$BENCH_MEDIA_DIR" "$@" >"$dir/node.log" 2>&1 &
  BENCH_NODE_PIDS+=($!)
  bench_wait_ready "http://127.0.0.1:$http" "$!" "$dir/node.log"
  log "${SECONDS} s: worker node ready on 127.0.0.1:$http ($*)"
}

# Stops every node this script started. SIGTERM (the default, and on every exit) makes a node stop its ffmpeg
# processes, leave the cluster and exit, which takes ~3 s; between measurements, with every job ended and the
# data thrown away, "bench_stop_nodes KILL" saves that.
bench_stop_nodes() {
  local pid pids=() signal=${1:-TERM}
  for pid in "${BENCH_NODE_PIDS[@]}"; do [ "$pid" = "$BENCH_SHARED_PID" ] || pids+=("$pid"); done
  for pid in "${pids[@]}"; do kill "-$signal" "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  BENCH_NODE_PIDS=()
}

# Waits until the cluster's worker registry counts this many slots: jobs are chunked for the slots it counts.
bench_wait_slots() {
  python3 "$BENCH_DIR/client.py" slots "http://127.0.0.1:$BENCH_HTTP" "$1" || die "the cluster never counted $1 slots"
}

# Submits the job object given as JSON, waits until it ends; sets JOB_STATE, JOB_TASKS, JOB_SECONDS (submit to the
# poll that saw it ended, timed inside the client so its own start is not counted), JOB_WORKERS (how many workers
# ran its tasks) and JOB_RETRIES (attempts beyond the first). The node's CPU time and
# its children's (ffmpeg, ffprobe) during the job are in JOB_NODE_CPU and JOB_FFMPEG_CPU.
bench_run_job() {
  local before after
  before=$(bench_node_cpu)
  read -r JOB_STATE JOB_TASKS JOB_SECONDS JOB_WORKERS JOB_RETRIES < <(python3 "$BENCH_DIR/client.py" run "http://127.0.0.1:$BENCH_HTTP" "$1")
  after=$(bench_node_cpu)
  read -r JOB_NODE_CPU JOB_FFMPEG_CPU < <(python3 -c "
b, a = '$before'.split(), '$after'.split()
print(f'{float(a[0]) - float(b[0]):.2f} {float(a[1]) - float(b[1]):.2f}')")
}

# "<own cpu s> <reaped children cpu s>" summed over the running nodes, from /proc/<pid>/stat.
bench_node_cpu() {
  python3 - "${BENCH_NODE_PIDS[@]}" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK"); own = kids = 0
for pid in sys.argv[1:]:
    try: f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError: continue
    own += int(f[11]) + int(f[12]); kids += int(f[13]) + int(f[14])
print(own / tick, kids / tick)
PY
}

# A job that must complete: dies otherwise.
bench_job_ok() {
  bench_run_job "$1"
  [ "$JOB_STATE" = 3 ] || die "a job ended in state $JOB_STATE: $1 (log: $BENCH_NODE_LOG)"
}

# A node just started still runs code for the first time (loading types, resolving its precompiled code, one-time
# set-up): ~1 s of CPU more on its first job than later (docs/performance.md, "A warm first job"). A cluster runs
# for days: benchmarks measure it warm, after one untimed job of the kind they time (on warm.bin).
bench_warm_up() {
  bench_out_dir "warm-up-$BENCH_NODE_SEQ"
  bench_job_ok "$(python3 -c "import json,sys; j=json.loads(sys.argv[1]); j.update(src_filename='warm.bin', dst_dir=sys.argv[2]); print(json.dumps(j))" "$1" "$(basename "$BENCH_OUT")")"
  rm -rf "$BENCH_OUT"
  bench_settle
  log "${SECONDS} s: warmed up: $JOB_SECONDS s job, $JOB_TASKS tasks on $JOB_WORKERS worker(s), quiet after $BENCH_SETTLED s"
}

# Waits (5 s at most) until the nodes are quiet: under 5 % of a core over half a second; sets BENCH_SETTLED (s).
bench_settle() {
  BENCH_SETTLED=$(python3 - "${BENCH_NODE_PIDS[@]}" <<'PY'
import os, sys, time
tick = os.sysconf("SC_CLK_TCK")
def cpu():
    total = 0
    for pid in sys.argv[1:]:
        try: f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError: continue
        total += int(f[11]) + int(f[12])
    return total / tick
start = time.monotonic()
while time.monotonic() < start + 5:
    a = cpu(); time.sleep(0.5)
    if cpu() - a < 0.025: break
print(f"{time.monotonic() - start:.1f}")
PY
)
}

# Runs a command (stdout and stderr to a file), sets RUN_SECONDS (wall) and RUN_CPU (user + system of it and its
# children); dies with the command's stderr when it fails.
bench_timed() {
  local TIMEFORMAT='%R %U %S' t u s
  t=$( { time "$@" >"$BENCH_WORK/cmd.out" 2>&1; } 2>&1 ) || { tail -n 20 "$BENCH_WORK/cmd.out" >&2; die "failed: $*"; }
  read -r RUN_SECONDS u s <<<"$t"
  RUN_CPU=$(python3 -c "print(f'{$u + $s:.2f}')")
}

# Adds one comparison to this script's results and prints its line (see results.py add --help).
bench_result() { python3 "$BENCH_DIR/results.py" add "$BENCH_RESULTS" "$@"; }

# Prints this script's table and writes its JSON when asked to; BENCH_COLLECT names a file that gathers the
# results of several scripts (data-plane.sh).
bench_finish() {
  python3 "$BENCH_DIR/results.py" table "$BENCH_RESULTS"
  if [ -n "${BENCH_COLLECT:-}" ]; then cat "$BENCH_RESULTS" >>"$BENCH_COLLECT"; fi
  if [ -n "${BENCH_JSON:-}" ]; then
    python3 "$BENCH_DIR/results.py" json "$BENCH_JSON" "$BENCH_RESULTS"
    log "results written to $BENCH_JSON"
  fi
}

bench_fmt() { printf '%.2f' "$1"; }

# Runs $BENCH_ROUNDS rounds of plain_round and cluster_round <round> (both defined by the script), the cluster first
# in odd rounds and plain ffmpeg first in even ones; fills the arrays plain and api with their seconds and calls
# round_line <round> after each round.
bench_alternate() {
  local r side
  plain=(); api=()
  for r in $(seq 1 "$BENCH_ROUNDS"); do
    for side in $( [ $((r % 2)) = 1 ] && echo "cluster plain" || echo "plain cluster"); do
      if [ "$side" = plain ]; then bench_timed plain_round; plain+=("$RUN_SECONDS"); else cluster_round "$r"; api+=("$JOB_SECONDS"); fi
    done
    round_line "$r"
  done
}

# --- The scale model (ops/bench/scale.sh, ops/bench/ladder.sh) ---

# Frames of the first video stream, by counting packets.
bench_frames_of() { ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$1" | awk 'NF { print; exit }'; }

# A fresh cluster of $1 worker machines (cores 0..$1-1, one slot each) and an unpinned api+master node.
bench_start_scale_cluster() {
  local m
  BENCH_NODE_PREFIX=()
  bench_start_node --Transcode:Roles=api,master
  for m in $(seq 0 $(($1 - 1))); do
    BENCH_NODE_PREFIX=("$BENCH_DIR/pin.sh" "$m")
    bench_start_worker_node --Transcode:Worker:Slots=1
  done
  BENCH_NODE_PREFIX=()
  bench_wait_slots "$1"
}

# The sides of round $2 with $1 machines, in order: each side takes each place in turn (the ideal split only with 2).
bench_scale_order() {
  if [ "$1" = 2 ]; then
    case $(( ($2 - 1) % 3 )) in 0) echo "cluster plain split" ;; 1) echo "plain split cluster" ;; 2) echo "split cluster plain" ;; esac
  else
    if [ $(($2 % 2)) = 1 ]; then echo "cluster plain"; else echo "plain cluster"; fi
  fi
}
