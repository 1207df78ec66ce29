"""The scenario editor's map: a site plan uploaded (by its content), served, and the field of the
sources being placed previewed, with the blocks' problems by field path."""
import io
import shutil

import pytest

from ..helpers import ZONES_LIBRARY, bearer, gen_user, token_for

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400"><rect width="600" height="400"/></svg>'


@pytest.fixture
def editor(app, tmp_path):
    root = tmp_path / "library"
    shutil.copytree(ZONES_LIBRARY, root)
    app.config["CORDON_CONTENT_ROOT"] = str(root)
    return app.test_client(), bearer(token_for(gen_user("ctl", "controller"))), root


def upload(client, headers, content=SVG, name="yard.svg"):
    return client.post("/api/v1/library/plans", data={"plan": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", headers=headers)


def test_a_plan_is_stored_by_its_content_and_served(editor):
    client, headers, root = editor
    first = upload(client, headers)
    assert first.status_code == 201, first.get_json()
    answer = first.get_json()
    assert answer["plan"].startswith("plans/uploaded/") and answer["plan"].endswith(".svg")
    assert answer["size_px"] == [600.0, 400.0]
    assert (root / "injects" / answer["plan"]).read_bytes() == SVG
    assert upload(client, headers, name="again.svg").get_json()["plan"] == answer["plan"]  # one file
    served = client.get(answer["url"], headers=headers)
    assert served.status_code == 200 and served.mimetype == "image/svg+xml" and served.data == SVG


@pytest.mark.parametrize("content, name, reason", [
    (SVG, "yard.gif", "not an SVG, PNG or JPEG file"),
    (b"", "yard.svg", "empty"),
    (b"not an image", "yard.png", "unreadable image"),
    (b"<svg", "yard.svg", "unreadable image"),
    (b"x" * (5 * 1024 * 1024 + 1), "yard.png", "too large"),
])
def test_a_bad_plan_is_refused_and_nothing_is_kept(editor, content, name, reason):
    client, headers, root = editor
    response = upload(client, headers, content, name)
    assert response.status_code == 422 and response.get_json()["error"]["fields"]["plan"] == [reason]
    assert not list((root / "injects" / "plans").glob("uploaded/*"))


def test_only_plans_are_served(editor):
    client, headers, _ = editor
    for path in ("uploaded/none.svg", "../cordon-drill.yaml", "square.svg/../../cordon-drill.yaml", "%00.svg"):
        assert client.get(f"/api/v1/library/plans/{path}", headers=headers).status_code == 404, path
    assert client.get("/api/v1/library/plans/square.svg", headers=headers).status_code == 200  # a shipped one


def document(plan="plans/square.svg", nuclide="Cs-137"):
    return {"id": "draft", "teams": [{"key": "ic", "name": "IC", "agency": "incident-command"}],
            "site": {"plan": plan, "metres_per_pixel": 2.0, "origin_px": [500, 500],
                     "places": [{"id": "seat", "name": "Seat", "at": [0, 0]}]},
            "radiation": {"background": "0.1 µSv/h",
                          "sources": [{"id": "S1", "nuclide": nuclide, "activity": "37 TBq", "at": "seat"}]}}


def test_the_field_preview_draws_the_isolines_of_the_sources_being_placed(editor):
    client, headers, _ = editor
    answer = client.post("/api/v1/library/field-preview", json={"document": document()}, headers=headers).get_json()
    assert answer["problems"] == [] and answer["bounds"] == [-1000.0, -1000.0, 1000.0, 1000.0]
    levels = [f["properties"]["level_usv_h"] for f in answer["isolines"]["features"]]
    assert levels == [0.3, 100.0, 100_000.0] and answer["max_uSv_h"] > 10_000  # at the cell nearest the seat
    hundred = answer["isolines"]["features"][1]["geometry"]["coordinates"][0]
    radius = max(abs(x) for x, _ in hundred)
    assert radius == pytest.approx((92.6 * 37_000 / 100) ** 0.5, rel=0.1)  # ≈ 185 m from 37 TBq of Cs-137


def test_the_field_preview_says_what_is_wrong_by_field_path(editor):
    client, headers, _ = editor
    answer = client.post("/api/v1/library/field-preview", json={"document": document(nuclide="Cs-173")},
                         headers=headers).get_json()
    assert answer["isolines"] is None
    assert [p["path"] for p in answer["problems"]] == ["radiation.sources[0].nuclide"]
    missing = client.post("/api/v1/library/field-preview", json={"document": {"id": "x"}}, headers=headers).get_json()
    assert [p["path"] for p in missing["problems"]] == ["site", "radiation"]
    lost = client.post("/api/v1/library/field-preview", json={"document": document(plan="plans/nope.svg")},
                       headers=headers).get_json()
    assert "not found" in lost["problems"][0]["message"]
