"""Static files for poor Wi-Fi: compressed, cached for a year when asked for by content hash,
revalidated otherwise; the tablet's manifest and service worker (docs/architecture.md)."""
import gzip
import json
import re

from flask import url_for

from app.web.pwa import shell


def test_versioned_static_urls_are_immutable_and_compressed(app):
    client = app.test_client()
    with app.test_request_context():
        url = url_for("static", filename="js/tablet.js")
    assert re.fullmatch(r"/static/js/tablet\.js\?v=[0-9a-f]{12}", url)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    plain = client.get("/static/js/tablet.js").get_data()
    assert gzip.decompress(response.data) == plain
    assert client.get("/static/js/tablet.js").headers["Cache-Control"] == "no-cache"  # an import, unversioned
    etag = client.get("/static/js/tablet.js").headers["ETag"]
    assert client.get("/static/js/tablet.js", headers={"If-None-Match": etag}).status_code == 304


def test_pages_and_answers_are_compressed_but_images_are_not(app):
    client = app.test_client()
    assert client.get("/login", headers={"Accept-Encoding": "gzip"}).headers.get("Content-Encoding") == "gzip"
    png = client.get("/static/icons/icon-192.png", headers={"Accept-Encoding": "gzip"})
    assert png.status_code == 200 and "Content-Encoding" not in png.headers


def test_the_manifest_makes_the_tablet_installable(app):
    client = app.test_client()
    manifest = json.loads(client.get("/static/manifest.webmanifest").data)
    assert manifest["start_url"] == "/team" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    page = client.get("/team").get_data(as_text=True)
    assert 'rel="manifest"' in page and 'rel="modulepreload" href="/static/js/tablet/outbox.js"' in page


def test_the_service_worker_precaches_the_tablet_shell_and_its_version_follows_the_release(app):
    client = app.test_client()
    response = client.get("/sw.js")
    assert response.mimetype == "text/javascript" and response.headers["Cache-Control"] == "no-cache"
    text = response.get_data(as_text=True)
    listed = json.loads(re.search(r"const SHELL = (\[.*?\]);", text).group(1))
    assert "/team" in listed and "/static/js/tablet/store.js" in listed and "/static/vendor/idb/idb.js" in listed
    for url in listed[1:]:
        assert client.get(url).status_code == 200, url
    version = re.search(r'const VERSION = "(\w+)"', text).group(1)
    assert shell(app.static_folder, "next")[0] != version  # a new release: a new worker
