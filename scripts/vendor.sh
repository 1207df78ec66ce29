#!/usr/bin/env bash
# Vendor the browser libraries from the npm registry into static/vendor/, pinned.
# Run it only to change a version; the result is committed, so nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

SOCKET_IO_CLIENT=4.8.1
CHART_JS=4.4.7

out=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

fetch() {  # fetch PACKAGE VERSION FILE-IN-PACKAGE DEST
    local tgz
    tgz=$(cd "$work" && npm pack --silent "$1@$2" 2>/dev/null | tail -n 1)
    mkdir -p "$work/$1"
    tar -xzf "$work/$tgz" -C "$work/$1"
    cp "$work/$1/package/$3" "$out/$4"
    cp "$work/$1/package/LICENSE" "$out/$4.LICENSE" 2>/dev/null || true
    echo "$1@$2 -> $out/$4"
}

fetch socket.io-client "$SOCKET_IO_CLIENT" dist/socket.io.esm.min.js socket.io.esm.min.js
fetch chart.js "$CHART_JS" dist/chart.umd.js chart.umd.js

cat > "$out/VERSIONS" <<TXT
socket.io-client $SOCKET_IO_CLIENT (npm registry)
chart.js $CHART_JS (npm registry)
TXT
