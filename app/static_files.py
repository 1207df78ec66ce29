"""Static files for poor Wi-Fi (docs/performance.md, "The tablet's first load"): compressed, and cached
by the browser as long as they cannot change.

- Responses of text types (HTML, CSS, JavaScript, JSON, SVG, the manifest) are gzip-compressed
  when the browser accepts it (Flask-Compress; a reverse proxy in front may do it instead).
- `url_for('static', ...)` adds `?v=<content hash>` to the URL, and a static file asked for with
  its hash is cached for a year as immutable: a changed file has a new URL. A static file asked
  for without one (a JavaScript module imported by another) is revalidated each time (a 304 when
  it has not changed). The tablet's service worker keeps its shell for offline use either way.
"""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, request
from flask_compress import Compress

COMPRESSED = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json",
              "image/svg+xml", "application/manifest+json", "application/x-ndjson", "text/csv"]
YEAR_S = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _digest(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def init_static_files(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED)
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 512)
    Compress(app)
    static = Path(app.static_folder)

    @app.url_defaults
    def _version_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            file = static / values["filename"]
            try:
                values["v"] = _digest(str(file), file.stat().st_mtime_ns)
            except OSError:
                pass  # a missing file: the 404 comes when it is asked for

    @app.after_request  # runs before Flask-Compress's (hooks run last registered first)
    def _cache_static(response):
        if request.endpoint == "static" and response.status_code == 200:
            # a file is sent as a stream, which Flask-Compress would not gzip: these are small, read them
            response.direct_passthrough = False
            response.set_data(response.get_data())
            if request.args.get("v"):
                response.headers["Cache-Control"] = f"public, max-age={YEAR_S}, immutable"
            else:
                response.headers["Cache-Control"] = "no-cache"
        return response
