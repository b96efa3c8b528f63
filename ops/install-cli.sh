#!/usr/bin/env bash
# Install the akka-transcode command line: publish it and put a launcher on PATH.
#   ./ops/install-cli.sh                    as root into /usr/local (launcher /usr/local/bin/akka-transcode),
#                                           otherwise into ~/.local (launcher ~/.local/bin/akka-transcode)
#   PREFIX=/opt/tools ./ops/install-cli.sh  the program into $PREFIX/lib/akka-transcode, the launcher into $PREFIX/bin
#   ./ops/install-cli.sh --uninstall        remove both again
# Without installing, run it from the repository: dotnet src/Akka.Transcode.Cli/bin/Release/net10.0/akka-transcode.dll
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

if [ "$(id -u)" -eq 0 ]; then PREFIX="${PREFIX:-/usr/local}"; else PREFIX="${PREFIX:-$HOME/.local}"; fi
LIB_DIR="$PREFIX/lib/akka-transcode"
LAUNCHER="$PREFIX/bin/akka-transcode"

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$LIB_DIR" "$LAUNCHER"
  log "removed $LAUNCHER and $LIB_DIR"
  exit 0
fi

ensure_dotnet
dotnet publish src/Akka.Transcode.Cli -c Release --self-contained false -o "$LIB_DIR" -p:DebugType=none >/dev/null \
  || die "dotnet publish src/Akka.Transcode.Cli failed"
mkdir -p "$PREFIX/bin"
# A launcher through `dotnet` rather than the native apphost: it works wherever `dotnet` is on PATH, without DOTNET_ROOT.
cat >"$LAUNCHER" <<LAUNCHER
#!/bin/sh
exec dotnet "$LIB_DIR/akka-transcode.dll" "\$@"
LAUNCHER
chmod 0755 "$LAUNCHER"
log "installed $LAUNCHER (program in $LIB_DIR)"

case ":$PATH:" in
  *":$PREFIX/bin:"*) "$LAUNCHER" --help | head -n 2 ;;
  *) log "$PREFIX/bin is not on PATH: add it, e.g. export PATH=\"$PREFIX/bin:\$PATH\" (in ~/.profile to keep it)" ;;
esac
