#!/usr/bin/env bash
# Runs a command on one core, a stand-in for a machine of its own (scale.sh): in a cpuset cgroup when this user may
# make one, else under taskset. A cpuset binds whatever the command does: x265 sets its threads' affinity itself
# and so leaves a taskset (plain x265 "on one core" ran on both), but not a cpuset.
#   ops/bench/pin.sh CORE COMMAND [ARGS...]
set -euo pipefail
core=$1; shift
group=akka-transcode-core$core
if [ -f /sys/fs/cgroup/cpuset/cpuset.cpus ] && [ -w /sys/fs/cgroup/cpuset ]; then
  # cgroup v1: a group needs its cpus and its memory nodes before it takes a process.
  dir=/sys/fs/cgroup/cpuset/$group
  mkdir -p "$dir"
  echo "$core" >"$dir/cpuset.cpus"
  cat /sys/fs/cgroup/cpuset/cpuset.mems >"$dir/cpuset.mems"
  echo $$ >"$dir/cgroup.procs"
  exec "$@"
elif grep -qw cpuset /sys/fs/cgroup/cgroup.controllers 2>/dev/null && [ -w /sys/fs/cgroup/cgroup.subtree_control ]; then
  # cgroup v2: the controller must be enabled for the children of the root first.
  echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
  dir=/sys/fs/cgroup/$group
  mkdir -p "$dir"
  echo "$core" >"$dir/cpuset.cpus"
  echo $$ >"$dir/cgroup.procs"
  exec "$@"
fi
exec taskset -c "$core" "$@"
