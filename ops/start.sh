#!/usr/bin/env bash
# Start the system: one node that plays every role (api, master, worker) on SQLite.
#   ./ops/start.sh                                   HTTP on http://127.0.0.1:8080, data in ./data, media in ./media
#   ./ops/start.sh --Transcode:Http:Url=http://127.0.0.1:9090   extra arguments go to the node
set -euo pipefail
# shellcheck source=ops/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

ensure_ffmpeg
ensure_dotnet
ensure_npm
mkdir -p media data

publish_node
exec dotnet "$NODE_DLL" "$@"
