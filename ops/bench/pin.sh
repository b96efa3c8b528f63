#!/usr/bin/env bash
# Runs a command on one core, a stand-in for a machine of its own (scale.sh): in a cpuset cgroup when this user may
# make one, else under taskset. A cpuset binds whatever the command does: x265 sets its threads' affinity itself
# and so leaves a taskset (plain x265 "on one core" ran on both), but not a cpuset.
#   ops/bench/pin.sh CORE COMMAND [ARGS...]
#   ops/bench/pin.sh --kind          prints how it would pin: "cpuset cgroup" or "taskset"
set -euo pipefail
v1() { [ -f /sys/fs/cgroup/cpuset/cpuset.cpus ] && [ -w /sys/fs/cgroup/cpuset ]; }
v2() { grep -qw cpuset /sys/fs/cgroup/cgroup.controllers 2>/dev/null && [ -w /sys/fs/cgroup/cgroup.subtree_control ]; }
if [ "${1:-}" = --kind ]; then
  if v1 || v2; then echo "cpuset cgroup"; else echo taskset; fi
  exit 0
fi
core=$1; shift
group=akka-transcode-core$core
if v1; then
  # cgroup v1: a group needs its cpus and its memory nodes before it takes a process.
  dir=/sys/fs/cgroup/cpuset/$group
  mkdir -p "$dir"
  echo "$core" >"$dir/cpuset.cpus"
  cat /sys/fs/cgroup/cpuset/cpuset.mems >"$dir/cpuset.mems"
  echo $$ >"$dir/cgroup.procs"
  exec "$@"
elif v2; then
  # cgroup v2: the controller must be enabled for the children of the root first.
  echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
  dir=/sys/fs/cgroup/$group
  mkdir -p "$dir"
  echo "$core" >"$dir/cpuset.cpus"
  echo $$ >"$dir/cgroup.procs"
  exec "$@"
fi
exec taskset -c "$core" "$@"
