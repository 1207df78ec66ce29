"""The team tablet as an installable web app: its service worker, served from the site's root so that
it controls /team (docs/architecture.md, "The offline tablet"). The manifest and icons are static files.

The worker's list of files to precache is the tablet's shell, found by following the `import`s of
static/js/tablet.js, plus its stylesheets, the vendored libraries the page loads, the manifest and
the icons; its version is a hash of their content, so any change to them is a new worker."""
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import current_app, render_template

from ..i18n import LANGUAGES
from . import bp

STATIC_FILES = ("css/cordon.css", "vendor/socket.io.esm.min.js", "vendor/leaflet/leaflet.js",
                "vendor/leaflet/leaflet.css", "vendor/leaflet-geoman/leaflet-geoman.min.js",
                "vendor/leaflet-geoman/leaflet-geoman.css", "vendor/idb/idb.js", "manifest.webmanifest",
                "icons/icon-192.png", "icons/icon-512.png", "icons/icon-maskable-512.png",
                # the pages' words in every shipped language: a tablet switched offline keeps working
                *(f"i18n/{code}.json" for code in LANGUAGES))
_IMPORT = re.compile(r"""(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)""")


def _modules(static: Path, entry: str) -> list[str]:
    """Every module `entry` (a path under static/) imports, itself included, in a stable order."""
    seen, todo = [], [entry]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        text = (static / path).read_text(encoding="utf-8")
        for match in _IMPORT.finditer(text):
            target = match.group(1) or match.group(2)
            resolved = (target.removeprefix("/static/") if target.startswith("/static/")
                        else (Path(path).parent / target).as_posix())
            parts = []
            for part in resolved.split("/"):
                if part == "..":
                    parts.pop()
                elif part != ".":
                    parts.append(part)
            todo.append("/".join(parts))
    return sorted(seen)


@lru_cache(maxsize=4)
def shell(static_folder: str, release: str = "") -> tuple[str, tuple[str, ...]]:
    """(version, the URLs to precache) of the tablet's shell."""
    static = Path(static_folder)
    files = sorted(set(_modules(static, "js/tablet.js")) | set(STATIC_FILES))
    digest = hashlib.sha256(release.encode() + b"\0")
    for name in files:
        digest.update(name.encode() + b"\0" + (static / name).read_bytes())
    return digest.hexdigest()[:16], ("/team", *(f"/static/{name}" for name in files))


@bp.get("/sw.js")
def service_worker():
    version, urls = shell(current_app.static_folder, current_app.config.get("CORDON_RELEASE") or "")
    response = current_app.response_class(render_template("pwa/sw.js", version=version, shell=list(urls)),
                                          mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # the browser checks for a new worker on every visit
    return response


@bp.app_context_processor
def _tablet_modules():
    """`tablet_modules()`: the tablet's JavaScript modules, for <link rel="modulepreload"> (the page
    asks for them all at once instead of one import level per round trip)."""
    def tablet_modules() -> list[str]:
        return [url for url in shell(current_app.static_folder, current_app.config.get("CORDON_RELEASE") or "")[1]
                if url.endswith(".js") and "leaflet" not in url]  # leaflet: classic scripts, deferred
    return {"tablet_modules": tablet_modules}
