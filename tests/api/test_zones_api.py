"""Zones over HTTP on an exercise with a site plan: who may do what, bad input, what each team is sent."""

import pytest

from app.extensions import db
from app.services import lifecycle
from app.services.scheduler import run_once

from ..helpers import ZONES_LIBRARY, bearer, gen_exercise, gen_tablet, gen_user, token_for

CIRCLE = {"type": "Circle", "center": [0, 0], "radius": 450}


@pytest.fixture
def site(app, clock):
    app.config["CORDON_CONTENT_ROOT"] = str(ZONES_LIBRARY)
    exercise = gen_exercise("cordon-drill")
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    run_once(app)
    heads = {"anonymous": {}}
    for team in ("ic", "rad", "police"):
        heads[team] = bearer(gen_tablet(exercise, team).token)
    for role in ("evaluator", "controller", "admin"):
        heads[role] = bearer(token_for(gen_user(role[:3], role)))
    other = gen_exercise("cordon-drill", name="Elsewhere")
    heads["elsewhere"] = bearer(gen_tablet(other, "ic").token)
    return exercise, heads, app.test_client()


def url(exercise, tail=""):
    return f"/api/v1/exercises/{exercise.id}/zones{tail}"


# role:              anon ic   rad  police elsewhere eval ctl  admin
ROLES = ("anonymous", "ic", "rad", "police", "elsewhere", "evaluator", "controller", "admin")
MATRIX = [
    ("GET", "", None, "401 200 200 200 403 200 200 200"),
    ("POST", "", {"kind": "inner-cordon", "geometry": CIRCLE}, "401 201 403 201 403 403 201 201"),
    ("PATCH", "/Z1", {"geometry": CIRCLE}, "401 200 403 200 403 403 200 200"),
    ("DELETE", "/Z1", None, "401 200 403 200 403 403 200 200"),
    ("POST", "/Z1/decision", {"action": "food-restrictions"}, "401 201 403 201 403 403 201 201"),
    ("GET", "/verdicts", None, "401 200 200 200 403 200 200 200"),
    ("GET", "/expected", None, "401 403 403 403 403 200 200 200"),
]


@pytest.mark.parametrize("method, tail, body, expect", MATRIX, ids=[f"{m} {t or '/'}" for m, t, _, _ in MATRIX])
def test_who_may_do_what(site, method, tail, body, expect):
    exercise, heads, client = site
    for role, status in zip(ROLES, map(int, expect.split())):
        if tail.startswith("/Z1"):
            db.session.rollback()
            drawn = client.post(url(exercise), json={"kind": "inner-cordon", "geometry": CIRCLE}, headers=heads["police"])
            target = tail.replace("Z1", drawn.get_json()["id"])  # police's cordon: public, not rad's to change
            if role == "ic":  # ic changes its own
                target = tail.replace("Z1", client.post(url(exercise), json={"kind": "inner-cordon", "geometry": CIRCLE},
                                                        headers=heads["ic"]).get_json()["id"])
        else:
            target = tail
        response = client.open(url(exercise, target), method=method, json=body, headers=heads[role])
        assert response.status_code == status, (role, response.get_json())


def test_bad_geometry_and_unknown_fields_are_422_naming_the_field(site):
    exercise, heads, client = site
    cases = [
        ({"kind": "inner-cordon", "geometry": {"type": "Circle", "center": [0, 0], "radius": -5}}, "geometry.radius"),
        ({"kind": "inner-cordon", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [100, 100], [100, 0],
                                                                                    [0, 100]]]}},
         "geometry.coordinates.0"),
        ({"kind": "hot-zone", "geometry": CIRCLE}, "kind"),
        ({"kind": "inner-cordon", "geometry": CIRCLE, "raduis": 4}, "raduis"),
        ({"kind": "inner-cordon", "geometry": "big"}, "geometry"),
        ({"kind": "inner-cordon", "geometry": {"type": "Circle", "center": ["x", None], "radius": 10}},
         "geometry.center.0"),
        ({"kind": "inner-cordon", "geometry": {"type": "Polygon", "coordinates": [[[i, i % 7] for i in range(1200)]]}},
         "geometry"),
        ({"kind": "inner-cordon", "geometry": {"type": "Circle", "center": [0, 0], "radius": "\ud800"}}, None),
    ]
    for body, field in cases:
        response = client.post(url(exercise), json=body, headers=heads["ic"])
        assert response.status_code == 422, (body, response.get_json())
        if field is not None:
            assert any(key.startswith(field) for key in response.get_json()["error"]["fields"]), response.get_json()
    assert client.get(url(exercise), headers=heads["controller"]).get_json() == []


def test_wrong_types_in_any_field_never_break_the_server(site):
    exercise, heads, client = site
    values = [None, True, 0, -1, 1e308, "", "x" * 5000, [], {}, [[]], {"type": None}]
    for field in ("kind", "geometry", "team", "client_id"):
        for value in values:
            body = {"kind": "inner-cordon", "geometry": CIRCLE, field: value}
            response = client.post(url(exercise), json=body, headers=heads["controller"])
            assert response.status_code in (200, 201, 403, 404, 409, 422), (field, value, response.get_json())
    for value in values:
        response = client.post(url(exercise, "/Z999/decision"), json={"action": value}, headers=heads["controller"])
        assert response.status_code in (404, 422)


def test_each_team_is_sent_only_what_it_may_see(site):
    exercise, heads, client = site
    client.post(url(exercise), json={"kind": "inner-cordon", "geometry": CIRCLE}, headers=heads["ic"])
    client.post(url(exercise), json={"kind": "staging-area", "geometry": {"type": "Point", "coordinates": [-600, 0]}},
                headers=heads["rad"])
    kinds = {team: sorted(z["kind"] for z in client.get(url(exercise), headers=heads[team]).get_json())
             for team in ("ic", "rad", "police", "controller")}
    assert kinds == {"ic": ["inner-cordon"], "rad": ["inner-cordon", "staging-area"], "police": ["inner-cordon"],
                     "controller": ["inner-cordon", "staging-area"]}
    # The verdicts: a team its own; staff every team's. No field, no source, ever, to a team.
    own = client.get(url(exercise, "/verdicts"), headers=heads["ic"]).get_json()
    assert {v["team"] for v in own} == {"ic"}
    events = client.get(f"/api/v1/exercises/{exercise.id}/events?team=police", headers=heads["controller"]).get_json()
    assert {e["type"] for e in events} >= {"zone.drawn"}
    assert not any(e["type"] == "zone.drawn" and e["data"]["zone"]["kind"] == "staging-area" for e in events)


def test_staff_compare_drawn_with_expected_and_a_resend_draws_once(site):
    exercise, heads, client = site
    first = client.post(url(exercise), json={"kind": "inner-cordon", "geometry": CIRCLE, "client_id": "ic-zone-00001"},
                        headers=heads["ic"])
    again = client.post(url(exercise), json={"kind": "inner-cordon", "geometry": CIRCLE, "client_id": "ic-zone-00001"},
                        headers=heads["ic"])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["duplicate"] is True and again.get_json()["id"] == first.get_json()["id"]
    compared = client.get(url(exercise, "/expected"), headers=heads["evaluator"]).get_json()
    assert [(c["team"], c["kind"], c["step"]) for c in compared] == [
        ("ic", "inner-cordon", "IC-02"), ("rad", "inner-cordon", "IC-02"), ("police", "inner-cordon", "IC-02")]
    assert 0.7 < compared[0]["agreement"] < 0.85  # a 450 m cordon against the 400 m expected: (400/450)²
    assert compared[0]["summary"].startswith("The drawn inner cordon") and len(compared[0]["expected_outline"]) > 20


def test_the_site_for_a_map_has_the_plan_and_places_but_never_a_source(site):
    exercise, heads, client = site
    for who in ("ic", "controller"):
        view = client.get(f"/api/v1/exercises/{exercise.id}/site", headers=heads[who]).get_json()
        assert view["bounds"] == [-1000.0, -1000.0, 1000.0, 1000.0]
        assert [p["id"] for p in view["places"]] == ["blast-seat", "depot", "command-post"]
        assert "S1" not in str(view) and "Cs-137" not in str(view) and "radiation" not in view
    kinds = {k["key"]: k["may_draw"] for k in client.get(f"/api/v1/exercises/{exercise.id}/site",
                                                         headers=heads["rad"]).get_json()["zone_kinds"]}
    assert kinds["inner-cordon"] is False and kinds["staging-area"] is True  # zones.draw limits rad
    evaluator = client.get(f"/api/v1/exercises/{exercise.id}/site", headers=heads["evaluator"]).get_json()
    assert not any(k["may_draw"] for k in evaluator["zone_kinds"])
    plan = client.get(f"/api/v1/exercises/{exercise.id}/site/plan", headers=heads["ic"])
    assert plan.status_code == 200 and plan.mimetype == "image/svg+xml" and b"Station Square" in plan.data
    assert client.get(f"/api/v1/exercises/{exercise.id}/site/plan", headers=heads["elsewhere"]).status_code == 403


def test_zones_over_socket_io_as_over_rest(app, site):
    from app.extensions import socketio

    exercise, heads, client = site
    token = heads["ic"]["Authorization"].split()[1]
    sio = socketio.test_client(app, auth={"token": token})
    drawn = sio.emit("draw_zone", {"kind": "inner-cordon", "geometry": CIRCLE}, callback=True)
    assert drawn["ok"] is True and drawn["id"] == "Z1"
    changed = sio.emit("change_zone", {"zone_id": "Z1", "geometry": {**CIRCLE, "radius": 500}}, callback=True)
    assert changed["ok"] is True and changed["geometry"]["radius"] == 500
    bad = sio.emit("draw_zone", {"kind": "inner-cordon", "geometry": {**CIRCLE, "radius": 0}}, callback=True)
    assert bad["ok"] is False and bad["error"]["code"] == "invalid" and "geometry.radius" in bad["error"]["fields"]
    rad = socketio.test_client(app, auth={"token": heads["rad"]["Authorization"].split()[1]})
    refused = rad.emit("remove_zone", {"zone_id": "Z1"}, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    assert sio.emit("remove_zone", {"zone_id": "Z1"}, callback=True)["ok"] is True
    assert client.get(url(exercise), headers=heads["controller"]).get_json() == []
