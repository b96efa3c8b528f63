#!/usr/bin/env bash
# Shared helpers for ops/*.sh. Source it; it defines functions only (and REPO_ROOT).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Make sure ffmpeg and ffprobe are on PATH. As root on a Debian/Ubuntu machine they are installed with apt-get;
# otherwise the script says exactly what to run and stops.
ensure_ffmpeg() {
  if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "ffmpeg/ffprobe not found; installing with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update </dev/null && apt-get install -y ffmpeg </dev/null || die "apt-get install ffmpeg failed"
    command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 \
      || die "ffmpeg installed but ffmpeg/ffprobe still not on PATH"
    return 0
  fi
  {
    echo "ffmpeg and ffprobe are required but were not found on PATH."
    echo "Install them, then run this again:"
    echo "    sudo apt-get update && sudo apt-get install -y ffmpeg"
  } >&2
  exit 1
}

# Make sure the .NET SDK is on PATH.
ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    {
      echo "The .NET SDK (10.0) is required but 'dotnet' was not found on PATH."
      echo "Install it from https://dotnet.microsoft.com/download/dotnet/10.0 (or your distribution's dotnet-sdk-10.0 package),"
      echo "then run this again."
    } >&2
    exit 1
  fi
}
