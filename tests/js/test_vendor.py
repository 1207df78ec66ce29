"""The vendored browser libraries (scripts/vendor.sh): each file is the one the script fetched
(SHA256SUMS), each package is listed with its version and licence, and each loads in Chromium.
Nothing uses the map, drawing, IndexedDB and accessibility libraries yet; they must be ready."""
import hashlib
import re
from pathlib import Path

from .conftest import ORIGIN, REPO_ROOT

VENDOR = REPO_ROOT / "static" / "vendor"
PINS = {"SOCKET_IO_CLIENT": "socket.io-client", "LEAFLET": "leaflet", "LEAFLET_GEOMAN": "@geoman-io/leaflet-geoman-free",
        "IDB": "idb", "AXE_CORE": "axe-core"}


def pinned_versions() -> dict[str, str]:
    script = (REPO_ROOT / "scripts" / "vendor.sh").read_text()
    return {PINS[name]: version for name, version in re.findall(r"^([A-Z_]+)=(\S+)", script, re.M) if name in PINS}


def test_every_vendored_file_is_the_one_the_script_fetched():
    sums = dict(reversed(line.split("  ", 1)) for line in (VENDOR / "SHA256SUMS").read_text().splitlines())
    files = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file() and p.name != "SHA256SUMS"}
    assert files == set(sums)
    for name, digest in sums.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert not any("chart" in name for name in files)  # Chart.js was never used


def test_each_package_is_listed_with_its_pinned_version_and_licence():
    listed = {}
    for line in (VENDOR / "VERSIONS").read_text().splitlines():
        match = re.match(r"^(\S+) (\S+) \(([^);,]+)", line)
        if match and not line.startswith("#"):
            listed[match.group(1)] = (match.group(2), match.group(3))
    pins = pinned_versions()
    assert set(pins) == set(PINS.values())
    assert pins["socket.io-client"] == "4.8.1" and pins["leaflet"] == "1.9.4"
    assert pins["@geoman-io/leaflet-geoman-free"].startswith("2.")  # 3.x is not for Leaflet 1.9
    assert pins["idb"].startswith("8.") and pins["axe-core"].startswith("4.")
    assert {name: version for name, (version, _) in listed.items()} == pins
    assert {name: licence for name, (_, licence) in listed.items()} == {
        "socket.io-client": "MIT", "leaflet": "BSD-2-Clause", "@geoman-io/leaflet-geoman-free": "MIT", "idb": "ISC",
        "axe-core": "MPL-2.0"}
    for folder in ("leaflet", "leaflet-geoman", "idb", "axe-core"):
        assert (VENDOR / folder / "LICENSE").is_file(), folder


def test_the_es_modules_import(modules):
    result = modules.run("/static/vendor/idb/idb.js", """
      const db = await m.openDB("vendor-check", 1, { upgrade(db) { db.createObjectStore("queue"); } });
      await db.put("queue", { text: "kept offline" }, "a");
      const back = await db.get("queue", "a");
      db.close();
      await m.deleteDB("vendor-check");
      const sio = await import("/static/vendor/socket.io.esm.min.js");
      return [back.text, typeof sio.io];
    """)
    assert result == ["kept offline", "function"]


def test_leaflet_and_geoman_draw_on_a_site_plan(modules):
    page = modules.page
    page.add_style_tag(url=f"{ORIGIN}/static/vendor/leaflet/leaflet.css")
    page.add_style_tag(url=f"{ORIGIN}/static/vendor/leaflet-geoman/leaflet-geoman.css")
    page.add_script_tag(url=f"{ORIGIN}/static/vendor/leaflet/leaflet.js")
    page.add_script_tag(url=f"{ORIGIN}/static/vendor/leaflet-geoman/leaflet-geoman.min.js")
    result = page.evaluate("""async () => {
      const box = Object.assign(document.createElement("div"), { id: "map" });
      box.style.cssText = "width: 400px; height: 300px";
      document.body.append(box);
      const map = L.map("map", { crs: L.CRS.Simple, minZoom: -2 }).fitBounds([[0, 0], [100, 200]]);
      map.pm.addControls({ position: "topleft" });
      const zone = L.polygon([[10, 10], [10, 60], [50, 60]]).addTo(map);
      const icon = await fetch("/static/vendor/leaflet/images/marker-icon.png");  // beside leaflet.css, as it expects
      return { version: L.version, geoman: typeof L.PM, toolbar: !!document.querySelector(".leaflet-pm-toolbar"),
               editable: typeof zone.pm.enable, icon: icon.status,
               styled: getComputedStyle(document.querySelector(".leaflet-container")).overflow };
    }""")
    assert result == {"version": "1.9.4", "geoman": "object", "toolbar": True, "editable": "function", "icon": 200,
                      "styled": "hidden"}
    assert modules.errors == []


def test_axe_checks_a_page(modules):
    page = modules.page
    page.add_script_tag(url=f"{ORIGIN}/static/vendor/axe-core/axe.min.js")
    result = page.evaluate("""async () => {
      const results = await axe.run(document, { runOnly: ["wcag2a"] });
      return { version: axe.version, ran: results.passes.length + results.violations.length > 0 };
    }""")
    assert result["version"] == pinned_versions()["axe-core"] and result["ran"]
