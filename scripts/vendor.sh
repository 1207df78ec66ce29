#!/usr/bin/env bash
# Vendor the browser libraries from the npm registry into static/vendor/, pinned.
# Run it only to change a version; the result is committed, so nothing is fetched at run time.
# It rewrites static/vendor/ whole: VERSIONS (package, version, licence, files) and SHA256SUMS
# (checked by tests/js/test_vendor.py, so a vendored file is never edited by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

SOCKET_IO_CLIENT=4.8.1   # the live connection of every page
LEAFLET=1.9.4            # site maps: CRS.Simple and an image overlay of the site plan
LEAFLET_GEOMAN=2.20.2    # drawing zones on the map (the last 2.x; it works with Leaflet 1.9)
IDB=8.0.4                # IndexedDB for the offline tablet (the ESM build)
AXE_CORE=4.14.1          # accessibility checks, in browser tests only

out=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

unpack() {  # unpack PACKAGE VERSION: prints the folder of the unpacked package
    local dir="$work/${1//\//+}@$2"
    if [ ! -d "$dir" ]; then
        local tgz
        tgz=$(cd "$work" && npm pack --silent "$1@$2" | tail -n 1)
        mkdir -p "$dir"
        tar -xzf "$work/$tgz" -C "$dir"
    fi
    echo "$dir/package"
}

copy() {  # copy PACKAGE VERSION PATH-IN-PACKAGE DEST (a file or a folder)
    local from
    from=$(unpack "$1" "$2")
    mkdir -p "$(dirname "$out/$4")"
    cp -R "$from/$3" "$out/$4"
    echo "$1@$2 $3 -> $out/$4"
}

rm -rf "$out"
mkdir -p "$out"

copy socket.io-client "$SOCKET_IO_CLIENT" dist/socket.io.esm.min.js socket.io.esm.min.js
copy socket.io-client "$SOCKET_IO_CLIENT" LICENSE socket.io.esm.min.js.LICENSE

copy leaflet "$LEAFLET" dist/leaflet.js leaflet/leaflet.js
copy leaflet "$LEAFLET" dist/leaflet.css leaflet/leaflet.css
copy leaflet "$LEAFLET" dist/images leaflet/images
copy leaflet "$LEAFLET" LICENSE leaflet/LICENSE

copy @geoman-io/leaflet-geoman-free "$LEAFLET_GEOMAN" dist/leaflet-geoman.min.js leaflet-geoman/leaflet-geoman.min.js
copy @geoman-io/leaflet-geoman-free "$LEAFLET_GEOMAN" dist/leaflet-geoman.css leaflet-geoman/leaflet-geoman.css
copy @geoman-io/leaflet-geoman-free "$LEAFLET_GEOMAN" LICENSE leaflet-geoman/LICENSE

copy idb "$IDB" build/index.js idb/idb.js
copy idb "$IDB" LICENSE idb/LICENSE

copy axe-core "$AXE_CORE" axe.min.js axe-core/axe.min.js
copy axe-core "$AXE_CORE" LICENSE axe-core/LICENSE
copy axe-core "$AXE_CORE" LICENSE-3RD-PARTY.txt axe-core/LICENSE-3RD-PARTY.txt

cat > "$out/VERSIONS" <<TXT
# Browser libraries vendored by scripts/vendor.sh from the npm registry; pinned, served as they are.
# package version (licence): files in static/vendor/
socket.io-client $SOCKET_IO_CLIENT (MIT): socket.io.esm.min.js, the live connection of every page
leaflet $LEAFLET (BSD-2-Clause): leaflet/ (leaflet.js sets window.L; leaflet.css; images/)
@geoman-io/leaflet-geoman-free $LEAFLET_GEOMAN (MIT; it bundles @turf/*, lodash, polyclip-ts and bignumber.js, all MIT): leaflet-geoman/ (load after leaflet.js)
idb $IDB (ISC): idb/idb.js, an ES module (openDB, deleteDB, wrap, unwrap)
axe-core $AXE_CORE (MPL-2.0): axe-core/axe.min.js, for accessibility checks in browser tests only
TXT

(cd "$out" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
echo "wrote $out/VERSIONS and $out/SHA256SUMS"
