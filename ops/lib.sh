#!/usr/bin/env bash
# Shared helpers for ops/*.sh. Source it; it defines functions only (and REPO_ROOT).

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Scripts register what to undo in CLEANUP (started servers, temporary directories); run_cleanup undoes it all once,
# the last registered first. A script calls it from its EXIT trap.
CLEANUP=()
run_cleanup() {
  local i
  for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" || true; done
  rm -f "$FREE_PORTS_FILE"
}

# For scripts that run unattended (CI, long test forms): no prompts from dotnet, no stdin, and CLEANUP undone on
# any exit, Ctrl-C included.
run_unattended() {
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  exec </dev/null
  trap run_cleanup EXIT
  trap 'exit 130' INT TERM
}

# The node as it ships: published framework-dependent with ReadyToRun code for this machine's runtime (and so,
# by the node's project file, without tiered compilation), into NODE_PUBLISH_DIR. A fresh node's first job then
# costs about what its later ones do (docs/performance.md, "A warm first job"). Extra arguments go to dotnet publish.
NODE_PUBLISH_DIR="$REPO_ROOT/src/Akka.Transcode.Node/bin/publish"
NODE_DLL="$NODE_PUBLISH_DIR/Akka.Transcode.Node.dll"
publish_node() {
  ensure_npm
  dotnet publish "$REPO_ROOT/src/Akka.Transcode.Node" -c Release --use-current-runtime --self-contained false \
    -p:PublishReadyToRun=true -o "$NODE_PUBLISH_DIR" "$@"
}

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

# Node.js and npm: building the node installs the dashboard's player library (hls.js, pinned in
# src/Akka.Transcode.Node/Dashboard/player/package-lock.json) with `npm ci` from the npm registry. As root on
# Debian/Ubuntu they are installed with apt-get; otherwise the script says what to run and stops.
ensure_npm() {
  if command -v npm >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "npm not found; installing nodejs and npm with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update </dev/null && apt-get install -y nodejs npm </dev/null || die "apt-get install nodejs npm failed"
    command -v npm >/dev/null 2>&1 || die "nodejs and npm installed but npm is still not on PATH"
    return 0
  fi
  {
    echo "Node.js and npm are required to build the node (the dashboard's player library) but npm was not found."
    echo "Install them, then run this again:"
    echo "    sudo apt-get update && sudo apt-get install -y nodejs npm"
  } >&2
  exit 1
}

# Debian's Chromium, for the dashboard's browser test (Playwright drives it; Playwright never downloads a browser
# here). TRANSCODE_E2E_CHROMIUM may name another binary. As root on Debian it is installed with apt-get; otherwise
# the script says what to run and stops.
ensure_chromium() {
  local bin=${TRANSCODE_E2E_CHROMIUM:-/usr/bin/chromium}
  if [ -x "$bin" ]; then return 0; fi
  [ -z "${TRANSCODE_E2E_CHROMIUM:-}" ] || die "TRANSCODE_E2E_CHROMIUM=$bin is not an executable file"
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "chromium not found; installing with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update </dev/null && apt-get install -y chromium </dev/null || die "apt-get install chromium failed"
    [ -x "$bin" ] || die "chromium installed but $bin is missing"
    return 0
  fi
  {
    echo "Chromium is required by the dashboard test but $bin was not found."
    echo "Install it, then run this again:"
    echo "    sudo apt-get update && sudo apt-get install -y chromium"
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

# PostgreSQL's server binaries (initdb, pg_ctl, postgres). As root on Debian they are installed with apt-get;
# otherwise the script says what to run and stops. Prints the bin directory.
ensure_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$bin" ] && [ -x "$bin/initdb" ] && [ -x "$bin/pg_ctl" ]; then echo "$bin"; return 0; fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "PostgreSQL server not found; installing with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update </dev/null >&2 && apt-get install -y postgresql </dev/null >&2 || die "apt-get install postgresql failed"
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$bin" ] && [ -x "$bin/initdb" ] || die "postgresql installed but initdb not found"
    echo "$bin"; return 0
  fi
  {
    echo "The PostgreSQL server is required by the tests but was not found."
    echo "Install it, then run this again:"
    echo "    sudo apt-get update && sudo apt-get install -y postgresql"
  } >&2
  exit 1
}

# A free loopback port for a server this script starts, never the same one twice in this shell. It comes from below
# the kernel's ephemeral range: a port that bind(0) hands out lies in the range outgoing connections draw their
# source ports from, and one opened between the choice and the server's bind (to PostgreSQL, say) can take it.
FREE_PORTS_FILE="${TMPDIR:-/tmp}/akka-transcode-ports.$$"
free_port() {
  python3 - "$FREE_PORTS_FILE" <<'PY'
import random, socket, sys
given = sys.argv[1]
try: low, high = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
except (OSError, ValueError): low, high = 32768, 60999
lo, hi = (10000, low) if low - 10000 >= 65536 - high - 1 else (high + 1, 65536)
try: taken = set(map(int, open(given).read().split()))
except OSError: taken = set()
start = random.randrange(lo, hi)
for i in range(hi - lo):
    port = lo + (start - lo + i) % (hi - lo)
    if port in taken: continue
    s = socket.socket()
    try: s.bind(("127.0.0.1", port))
    except OSError: continue
    finally: s.close()
    with open(given, "a") as f: f.write(f"{port}\n")
    print(port); break
else: sys.exit(f"no free loopback port in [{lo}, {hi})")
PY
}

# Starts a throwaway PostgreSQL on a free loopback port with its data in a new temporary directory (no service,
# no system cluster touched), exports TRANSCODE_TEST_PG (an Npgsql connection string to its "postgres" database)
# and sets PG_STOP to the command that stops it and removes the directory. Call it directly, not in $(...).
# PG_FSYNC=on keeps fsync on (benchmarks that claim durable writes); tests run with it off.
start_postgres() {
  local bin dir port as=()
  bin=$(ensure_postgres)
  dir=$(mktemp -d /tmp/akka-transcode-pg.XXXXXX)
  port=$(free_port)
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses to run as root: the server runs as the postgres user the Debian package creates.
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
    chown postgres "$dir"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # fsync off by default: the data is thrown away after the run, and the tests are not about disk durability.
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=300" start >/dev/null \
    || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
  export TRANSCODE_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  log "PostgreSQL ${bin%/bin} on 127.0.0.1:$port (data in $dir)"
  PG_STOP="${as[*]} '$bin/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1; rm -rf '$dir'"
}
