"""The radiological picture over HTTP: moving responders, readings, doses, alarms, the field and sources."""
import math

import pytest

from app.extensions import db
from app.models import Event
from app.services import lifecycle, radiological
from app.services.exercises import get_exercise
from app.services.scheduler import run_once

from ..helpers import ZONES_LIBRARY, bearer, gen_exercise, gen_tablet, gen_user, token_for


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
    heads["elsewhere"] = bearer(gen_tablet(other, "rad").token)
    return exercise, heads, app.test_client()


def url(exercise, tail):
    return f"/api/v1/exercises/{exercise.id}{tail}"


def events(exercise, kind):
    return [e.payload for e in db.session.query(Event).filter_by(exercise_id=exercise.id, type=kind).order_by(Event.seq)]


def move(client, exercise, heads, team, body, status=201):
    response = client.post(url(exercise, "/responders/moves"), json=body, headers=heads[team])
    assert response.status_code == status, response.get_json()
    return response.get_json()


def read(client, exercise, heads, team, responder, instrument, status=201):
    response = client.post(url(exercise, "/readings"), json={"responder": responder, "instrument": instrument},
                           headers=heads[team])
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_team_sees_its_own_responders_and_instruments_and_never_a_source(site):
    exercise, heads, client = site
    view = client.get(url(exercise, "/responders"), headers=heads["rad"]).get_json()
    assert [(r["id"], r["name"], r["at"]) for r in view["responders"]] == [
        ("rad/1", "Dr Weiss", [-800.0, -600.0]), ("rad/2", "Tech Ruiz", [-800.0, -600.0])]
    assert [i["id"] for i in view["instruments"]] == [
        "rad/personal-dosimeter-1", "rad/personal-dosimeter-2", "rad/survey-meter-1", "rad/identifier-1",
        "rad/contamination-monitor-1"]
    assert view["instruments"][0]["worn_by"] == "rad/1"
    police = client.get(url(exercise, "/responders"), headers=heads["police"]).get_json()
    assert [r["id"] for r in police["responders"]] == ["police/1"]  # one, named after the team, by default
    assert [i["kind"] for i in police["instruments"]] == ["personal-dosimeter", "survey-meter"]
    text = str(view) + str(police)
    assert "S1" not in text and "Cs-137" not in text and "37" not in str(view["responders"])
    staff = client.get(url(exercise, "/responders"), headers=heads["evaluator"]).get_json()
    assert len(staff["responders"]) == 4


def test_a_responder_walks_at_walking_speed_never_teleports(site, clock, app):
    exercise, heads, client = site
    answer = move(client, exercise, heads, "rad", {"responder": "rad/1", "to": [-800, 0]})
    assert answer["moving"] and answer["target"] == [-800.0, 0.0]
    assert answer["arrives_at_s"] == pytest.approx(answer["exercise_time_s"] + 600 / 1.2)
    clock.advance(100)
    view = client.get(url(exercise, "/responders"), headers=heads["rad"]).get_json()
    assert view["responders"][0]["at"] == pytest.approx([-800.0, -600.0 + 120.0], abs=0.01)
    stopped = move(client, exercise, heads, "rad", {"responder": "rad/1", "stop": True})
    clock.advance(100)
    assert not stopped["moving"]
    view = client.get(url(exercise, "/responders"), headers=heads["rad"]).get_json()
    assert view["responders"][0]["at"] == pytest.approx([-800.0, -480.0], abs=0.01)
    logged = events(exercise, "responder.moved")
    assert [e["kind"] for e in logged] == ["move", "stop"] and logged[0]["speed_m_s"] == 1.2


def test_readings_rise_towards_the_source_and_two_teams_read_the_same_value(site, clock):
    exercise, heads, client = site
    far = read(client, exercise, heads, "rad", "rad/1", "rad/survey-meter-1")
    same = read(client, exercise, heads, "police", "police/1", "police/survey-meter-1")
    assert far["reading"]["display"] == same["reading"]["display"]  # same place, same moment
    move(client, exercise, heads, "rad", {"responder": "rad/1", "to": [-100, 0], "mode": "vehicle"})
    clock.advance(200)
    near = read(client, exercise, heads, "rad", "rad/1", "rad/survey-meter-1")
    assert near["reading"]["value"] is not None
    assert near["at"] == [-100.0, 0.0]
    rate = lambda r: r["reading"]["value"] * (1000 if r["reading"]["unit"] == "mSv/h" else 1)  # noqa: E731
    assert rate(near) > 50 * rate(far)
    # Cs-137, 37 TBq, Γ ≈ 92.6 µSv·m²/(h·GBq): ≈ 343 µSv/h at 100 m (within the meter's noise)
    assert rate(near) == pytest.approx(92.6 * 37_000 / 100 ** 2, rel=0.25)
    taken = events(exercise, "measurement.taken")
    assert len(taken) == 3 and taken[2]["reading"]["display"] == near["reading"]["display"]


def test_a_replay_of_the_log_reproduces_every_displayed_value(site, clock):
    exercise, heads, client = site
    move(client, exercise, heads, "rad", {"responder": "rad/1", "path": [[-500, -300], [-50, 20]]})
    for _ in range(6):
        clock.advance(97.3)
        read(client, exercise, heads, "rad", "rad/1", "rad/survey-meter-1")
        read(client, exercise, heads, "rad", "rad/1", "rad/contamination-monitor-1")
    rows = db.session.query(Event).filter_by(exercise_id=exercise.id, type="measurement.taken").all()
    radiological._FOLDS.clear()
    for row in rows:
        assert radiological.replayed_reading(get_exercise(exercise.id), row.seq) == row.payload["reading"]


def test_dose_accumulates_alarms_sound_and_guidance_is_announced(site, clock, app):
    exercise, heads, client = site
    move(client, exercise, heads, "rad", {"responder": "rad/1", "to": [-2, 0], "speed_m_s": 40})
    clock.advance(60)
    run_once(app)
    alarms = events(exercise, "dose.alarm")
    assert [(a["responder"], a["kind"], a["level"], a["alarm"]) for a in alarms][:2] == [
        ("rad/1", "rate", 1, "on"), ("rad/1", "rate", 2, "on")]
    clock.advance(600)  # ten minutes at ~0.9 Sv/h: past 100 mSv, the guidance for averting collective dose
    run_once(app)
    reached = events(exercise, "dose.guidance_reached")
    assert [(g["responder"], g["fraction"]) for g in reached] == [("rad/1", 0.5), ("rad/1", 0.8), ("rad/1", 1.0)]
    board = client.get(url(exercise, "/doses"), headers=heads["controller"]).get_json()
    top = board[0]
    assert top["id"] == "rad/1" and top["fraction"] > 1.0 and top["limit_mSv"] == 100.0
    assert top["alarming"] and top["remaining_mSv"] < 0
    others = [row for row in board if row["id"] != "rad/1"]
    # far off at the command post: about background for 11 minutes plus a little of the source
    assert all(row["dose_uSv"] < 5 for row in others)
    announced = (len(events(exercise, "dose.alarm")), len(reached))
    run_once(app)  # a pass with nothing new announces nothing twice
    assert (len(events(exercise, "dose.alarm")), len(events(exercise, "dose.guidance_reached"))) == announced
    history = client.get(url(exercise, "/doses/history?responder=rad/1"), headers=heads["rad"]).get_json()
    assert history["samples"] and history["samples"][-1]["dose_uSv"] > 100_000
    assert client.get(url(exercise, "/doses/history?responder=rad/1"), headers=heads["police"]).status_code == 404


def test_pause_stops_dose_and_the_dosimeter_reads_the_account(site, clock, app):
    exercise, heads, client = site
    move(client, exercise, heads, "rad", {"responder": "rad/2", "to": [-10, 0], "speed_m_s": 40})
    clock.advance(120)
    run_once(app)
    lifecycle.pause_exercise(exercise.id, "ctl")
    db.session.commit()
    board = {row["id"]: row for row in client.get(url(exercise, "/doses"), headers=heads["controller"]).get_json()}
    paused_at = board["rad/2"]["dose_uSv"]
    clock.advance(3600)
    run_once(app)
    board = {row["id"]: row for row in client.get(url(exercise, "/doses"), headers=heads["controller"]).get_json()}
    assert board["rad/2"]["dose_uSv"] == paused_at
    lifecycle.resume_exercise(exercise.id, "ctl")
    db.session.commit()
    clock.advance(5)
    shown = read(client, exercise, heads, "rad", "rad/2", "rad/personal-dosimeter-2")["reading"]
    assert shown["kind"] == "personal-dosimeter" and shown["details"]
    refused = read(client, exercise, heads, "rad", "rad/2", "rad/personal-dosimeter-1", status=422)
    assert "worn by another" in refused["error"]["message"]


def test_bad_moves_and_readings_are_refused_with_the_field(site, clock):
    exercise, heads, client = site
    cases = [
        ({"responder": "rad/1", "to": [5000, 0]}, 422, "to"),
        ({"responder": "rad/1"}, 422, "to"),
        ({"responder": "rad/1", "to": [0, 0], "stop": True}, 422, "to"),
        ({"responder": "rad/1", "to": [0]}, 422, "to"),
        ({"responder": "rad/1", "to": [0, "x"]}, 422, "to"),
        ({"responder": "rad/1", "to": [0, 0], "speed_m_s": 400}, 422, "speed_m_s"),
        ({"responder": "rad/1", "to": [0, 0], "mode": "teleport"}, 422, "mode"),
        ({"responder": "nobody", "to": [0, 0]}, 422, "responder"),
        ({"responder": "rad/9", "to": [0, 0]}, 404, "responder"),
        ({"responder": "rad/1", "path": [[0, 0]] * 51}, 422, "path"),
    ]
    for body, status, field in cases:
        response = client.post(url(exercise, "/responders/moves"), json=body, headers=heads["rad"])
        assert response.status_code == status, (body, response.get_json())
        named = response.get_json()["error"].get("fields", {})
        assert any(key.split(".")[0] == field for key in named), (body, response.get_json())
    assert client.post(url(exercise, "/responders/moves"), json={"responder": "police/1", "to": [0, 0]},
                       headers=heads["rad"]).status_code == 404  # another team's responder
    assert read(client, exercise, heads, "rad", "rad/1", "police/survey-meter-1", status=404)
    read(client, exercise, heads, "rad", "rad/1", "rad/survey-meter-1")
    too_fast = read(client, exercise, heads, "rad", "rad/2", "rad/survey-meter-1", status=429)
    assert too_fast["error"]["code"] == "too_fast"
    clock.advance(1)
    read(client, exercise, heads, "rad", "rad/2", "rad/survey-meter-1")


def test_a_resend_with_the_same_client_id_moves_and_reads_once(site, clock):
    exercise, heads, client = site
    body = {"responder": "rad/1", "to": [-700, -600], "client_id": "move-0001"}
    first = move(client, exercise, heads, "rad", body)
    again = move(client, exercise, heads, "rad", body, status=200)
    assert again["duplicate"] and again["target"] == first["target"]
    reading = {"responder": "rad/1", "instrument": "rad/survey-meter-1", "client_id": "read-0001"}
    one = client.post(url(exercise, "/readings"), json=reading, headers=heads["rad"])
    two = client.post(url(exercise, "/readings"), json=reading, headers=heads["rad"])
    assert (one.status_code, two.status_code) == (201, 200)
    assert two.get_json()["reading"] == one.get_json()["reading"]
    assert len(events(exercise, "responder.moved")) == 1 and len(events(exercise, "measurement.taken")) == 1


# role:              anon ic   rad  police elsewhere eval ctl  admin
ROLES = ("anonymous", "ic", "rad", "police", "elsewhere", "evaluator", "controller", "admin")
MATRIX = [
    ("GET", "/responders", None, "401 200 200 200 403 200 200 200"),
    ("POST", "/responders/moves", {"responder": "rad/1", "to": [-790, -600]}, "401 404 201 404 403 403 201 201"),
    ("POST", "/readings", {"responder": "rad/2", "instrument": "rad/identifier-1"}, "401 404 201 404 403 403 201 201"),
    ("GET", "/doses", None, "401 403 403 403 403 200 200 200"),
    ("GET", "/doses/history?responder=rad/1", None, "401 404 200 404 403 200 200 200"),
    ("GET", "/field", None, "401 403 403 403 403 200 200 200"),
    ("POST", "/sources/changes", {"source": "S1", "removed": False}, "401 403 403 403 403 403 201 201"),
]


@pytest.mark.parametrize("method, tail, body, expect", MATRIX, ids=[f"{m} {t}" for m, t, _, _ in MATRIX])
def test_who_may_do_what(site, clock, method, tail, body, expect):
    exercise, heads, client = site
    for role, status in zip(ROLES, map(int, expect.split())):
        clock.advance(1.5)  # past the reading interval
        response = client.open(url(exercise, tail), method=method, json=body, headers=heads[role])
        assert response.status_code == status, (role, response.get_json())


def test_the_field_for_staff_and_a_live_source_change(site, clock):
    exercise, heads, client = site
    field = client.get(url(exercise, "/field"), headers=heads["evaluator"]).get_json()
    assert field["shape"] == [400, 400] and len(field["grid"]) == math.ceil(400 * 400 / 3) * 4
    assert [f["properties"]["level_usv_h"] for f in field["isolines"]["features"]] == [0.3, 100.0, 100_000.0]
    assert field["isolines"]["features"][1]["geometry"]["coordinates"]  # the 100 µSv/h line exists
    assert [s["id"] for s in field["sources"]] == ["S1", "S2"]
    move(client, exercise, heads, "rad", {"responder": "rad/1", "to": [-100, 0], "mode": "vehicle"})
    clock.advance(200)
    before = read(client, exercise, heads, "rad", "rad/1", "rad/survey-meter-1")["reading"]
    changed = client.post(url(exercise, "/sources/changes"), json={
        "source": "S1", "shield": {"material": "lead", "thickness_m": 0.05}, "note": "put in a pig"},
        headers=heads["controller"])
    assert changed.status_code == 201, changed.get_json()
    assert changed.get_json()["sources"][0]["shield"] == ["lead", 0.05]
    clock.advance(30)
    after = read(client, exercise, heads, "rad", "rad/1", "rad/survey-meter-1")["reading"]
    to_uSv = lambda r: r["value"] * (1000 if r["unit"] == "mSv/h" else 1)  # noqa: E731
    assert to_uSv(after) < to_uSv(before) / 100  # 5 cm of lead is about 7.7 half-value layers for Cs-137
    assert events(exercise, "source.changed")[0]["change"]["shield"] == {"material": "lead", "thickness_m": 0.05}
    # a team never receives the change
    sent = client.get(url(exercise, "/events?team=rad"), headers=heads["controller"]).get_json()
    assert "measurement.taken" in {e["type"] for e in sent} and "source.changed" not in {e["type"] for e in sent}
    bad = [({"source": "S9", "removed": True}, 404), ({"source": "S1"}, 422),
           ({"source": "S1", "moved_to": [9000, 0]}, 422), ({"source": "S1", "activity_bq": -1}, 422),
           ({"source": "S1", "shield": {"material": "cheese", "thickness_m": 0.1}}, 422)]
    for body, status in bad:
        response = client.post(url(exercise, "/sources/changes"), json=body, headers=heads["controller"])
        assert response.status_code == status, (body, response.get_json())


def test_a_reading_written_in_an_inject_is_resolved_from_the_field_at_release(site, clock, app):
    exercise, heads, client = site
    clock.advance(50 * 60 + 1)
    run_once(app)
    released = [e for e in events(exercise, "inject.released") if e["id"] == "I-03"]
    body = released[0]["body"]
    assert "{{" not in body
    # 37 TBq at the blast seat read within 0.3 m: far above a survey meter's range
    assert "At the blast seat their meter showed OVER" in body or "mSv/h" in body.split(";")[0]
    # the command post at 50 min: 3.4 µSv/h from S1 at 1 km and 14.8 µSv/h from S2 (370 TBq, 1.52 km)
    assert "background here is 18.3 µSv/h" in body


def test_a_dose_history_names_whose(site):
    exercise, heads, client = site
    response = client.get(url(exercise, "/doses/history"), headers=heads["rad"])
    assert response.status_code == 422 and "responder" in response.get_json()["error"]["fields"]
    assert client.get(url(exercise, "/doses/history?responder=rad/x"), headers=heads["rad"]).status_code == 422


def test_the_report_tells_tracks_measurements_doses_and_how_long_until_withdrawal(site, clock, app):
    exercise, heads, client = site
    move(client, exercise, heads, "rad", {"responder": "rad/1", "to": [-20, 0], "speed_m_s": 40})
    clock.advance(60)
    run_once(app)  # 8.6 mSv/h 20 m from the source: the rate alarm sounds
    read(client, exercise, heads, "rad", "rad/1", "rad/survey-meter-1")
    clock.advance(45)
    move(client, exercise, heads, "rad", {"responder": "rad/1", "to": [-800, -600], "mode": "vehicle"})
    clock.advance(200)
    run_once(app)
    report = client.get(url(exercise, "/report.json"), headers=heads["evaluator"]).get_json()
    rad = report["radiological"]
    weiss = next(d for d in rad["doses"] if d["responder"] == "rad/1")
    live = next(r for r in client.get(url(exercise, "/doses"), headers=heads["controller"]).get_json() if r["id"] == "rad/1")
    assert weiss["dose_mSv"] == pytest.approx(live["dose_uSv"] / 1000, rel=0.01)  # the report integrates as live did
    assert weiss["limit_mSv"] == 100.0 and weiss["max_rate_uSv_h"] == pytest.approx(92.6 * 37_000 / 20 ** 2, rel=0.05)
    first = next(a for a in rad["alarms"] if a["responder"] == "rad/1")
    assert first["withdrew_after_s"] == pytest.approx(45, abs=1.5)  # from the alarm (at the pass) to the order away
    assert [m["instrument"] for m in rad["measurements"]] == ["rad/survey-meter-1"]
    assert 100.0 in {line["level_uSv_h"] for line in rad["figure"]["isolines"]}  # 100 mSv/h: within a cell of S1
    assert rad["figure"]["tracks"][0]["points"][0] == [-800.0, -600.0]
    html = client.get(url(exercise, "/report.html"), headers=heads["evaluator"]).get_data(as_text=True)
    assert "The radiological picture" in html and "Dr Weiss" in html and "Withdrawn after" in html


def test_an_exercise_can_hold_doses_against_the_legacy_set_chosen_before_it_starts(app, clock):
    app.config["CORDON_CONTENT_ROOT"] = str(ZONES_LIBRARY)
    client = app.test_client()
    ctl = bearer(token_for(gen_user("ctl", "controller")))
    bad = client.post("/api/v1/exercises", json={"name": "x", "scenario": "cordon-drill", "dose_guidance": "nope"},
                      headers=ctl)
    assert bad.status_code == 422 and "gsr-part-7" in bad.get_json()["error"]["message"]
    made = client.post("/api/v1/exercises", json={"name": "Legacy", "scenario": "cordon-drill"}, headers=ctl).get_json()
    assert made["dose_guidance"]["set"] == "gsr-part-7"
    assert {s["id"] for s in made["dose_guidance"]["sets"]} >= {"gsr-part-7", "legacy-remm"}
    ex = made["id"]
    changed = client.patch(f"/api/v1/exercises/{ex}", json={"dose_guidance": "legacy-remm"}, headers=ctl).get_json()
    assert changed["dose_guidance"] == {**changed["dose_guidance"], "set": "legacy-remm", "status": "legacy"}
    assert client.post(f"/api/v1/exercises/{ex}/start", headers=ctl).status_code == 200
    late = client.patch(f"/api/v1/exercises/{ex}", json={"dose_guidance": "gsr-part-7"}, headers=ctl)
    assert late.status_code == 409 and "dose_guidance" in late.get_json()["error"]["fields"]
    board = client.get(f"/api/v1/exercises/{ex}/doses", headers=ctl).get_json()
    assert {row["limit_mSv"] for row in board} == {50.0}  # avert a large collective dose: 50 mSv in the legacy set
    report = client.get(f"/api/v1/exercises/{ex}/report.json", headers=ctl).get_json()
    assert report["radiological"] is None  # nobody moved or measured
