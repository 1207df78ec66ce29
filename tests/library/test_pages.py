"""The library's pages through the Flask test client: editors, history and import, and who gets them."""
import re

import pytest

from ..helpers import bearer, gen_exercise, gen_tablet, gen_user
from ..web.test_console_pages import sign_in

EDITORS = ("/library/scenarios/mini-drill/edit", "/library/sops/mini-sop/edit",
           "/library/scenarios/mini-drill/history", "/library/sops/mini-sop/history")
CONTROLLERS_ONLY = ("/library/scenarios/new", "/library/sops/new", "/library/import")


@pytest.fixture
def people(library_app):
    gen_user("ctl", "controller")
    gen_user("eva", "evaluator")


def page_data(html: str, element_id: str) -> str:
    return re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S).group(1)


def test_signed_out_visitors_and_tablets_are_kept_out(client, people):
    for path in EDITORS + CONTROLLERS_ONLY:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), path
    tablet = gen_tablet(gen_exercise(), "fire")
    for path in EDITORS + CONTROLLERS_ONLY:
        assert client.get(path, headers=bearer(tablet.token)).status_code in (302, 401, 403), path


def test_a_controller_edits_and_an_evaluator_reads(client, people):
    sign_in(client, "ctl")
    html = client.get("/library/scenarios/mini-drill/edit").get_data(as_text=True)
    assert '"can_edit": true' in page_data(html, "editor-data")
    assert 'id="btn-save"' in html and 'id="inject-dialog"' in html and "scenario-editor.js" in html
    for path in CONTROLLERS_ONLY:
        assert client.get(path).status_code == 200, path
    client.get("/logout")
    sign_in(client, "eva")
    html = client.get("/library/scenarios/mini-drill/edit").get_data(as_text=True)
    assert '"can_edit": false' in page_data(html, "editor-data") and "Read only" in html
    assert "checklist-editor.js" in client.get("/library/sops/mini-sop/edit").get_data(as_text=True)
    for path in CONTROLLERS_ONLY:
        assert client.get(path).status_code == 403, path
    assert client.get("/library/scenarios/nope/edit").status_code == 404
    assert client.get("/library/sops/nope/history").status_code == 404


def test_the_library_lists_drafts_and_links_the_editors(client, people):
    sign_in(client, "ctl")
    document = {"id": "night-drill", "title": "Night drill"}
    assert client.post("/api/v1/library/scenarios", json={"id": "night-drill", "document": document},
                       headers={"X-CSRFToken": _csrf(client)}).status_code == 201
    html = client.get("/library").get_data(as_text=True)
    assert 'data-draft-scenario="night-drill"' in html and "draft v1" in html
    assert 'href="/library/scenarios/night-drill/edit"' in html and 'href="/library/scenarios/mini-drill/edit"' in html
    assert 'href="/library/scenarios/mini-drill/history"' in html and 'id="import-link"' in html


def test_the_history_page_lists_every_version(client, people):
    sign_in(client, "ctl")
    token = _csrf(client)
    document = client.get("/api/v1/library/scenarios/mini-drill/versions/1").get_json()["document"]
    client.post("/api/v1/library/scenarios/mini-drill/versions", headers={"X-CSRFToken": token},
                json={"base": 1, "document": dict(document, title="Renamed"), "note": "a new name"})
    html = client.get("/library/scenarios/mini-drill/history").get_data(as_text=True)
    assert re.findall(r'<tr data-version="(\d+)"', html) == ["2", "1"]
    assert "a new name" in html and 'data-restore="1"' in html and "published · in use" in html


def _csrf(client) -> str:
    html = client.get("/library").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
