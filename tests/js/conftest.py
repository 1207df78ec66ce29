"""Page modules run in Chromium (Playwright), served from the repository at a made-up origin:
no server, no build step; a test imports a module and calls it with plain values."""
import json
import mimetypes
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ..browser.conftest import browser  # noqa: F401  (the fixture: one Chromium per module)

REPO_ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://cordon.test"
BLANK = "<!doctype html><html lang=en><head><meta charset=utf-8><title>modules</title></head><body></body></html>"
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".png": "image/png"}


class Modules:
    """A blank page that imports files of the repository (/static/...) as ES modules."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda err: self.errors.append(str(err)))

    def run(self, module: str, body: str, arg=None):
        """Import `module` (a path such as /static/js/timefmt.js) as `m` and return what the
        JavaScript function body `body` returns for `arg` (awaited)."""
        return self.page.evaluate(
            f"async (arg) => {{ const m = await import({json.dumps(ORIGIN + module)}); {body} }}", arg)


def _serve(route):
    path = urlparse(route.request.url).path
    if path == "/":
        route.fulfill(status=200, body=BLANK, headers={"Content-Type": "text/html; charset=utf-8"})
        return
    file = (REPO_ROOT / path.lstrip("/")).resolve()
    if REPO_ROOT not in file.parents or not file.is_file():
        route.fulfill(status=404, body="not found")
        return
    kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    route.fulfill(status=200, body=file.read_bytes(), headers={"Content-Type": kind})


@pytest.fixture(scope="module")
def modules(browser):  # noqa: F811
    context = browser.new_context()
    context.route(f"{ORIGIN}/**", _serve)
    page = context.new_page()
    page.goto(ORIGIN + "/")
    yield Modules(page)
    context.close()
