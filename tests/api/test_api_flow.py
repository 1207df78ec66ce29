"""A drill through the REST API: token, create, start, release, control, events, audit."""
from app.services.scheduler import run_once

from ..helpers import PASSWORD, bearer, gen_user


def test_a_controller_runs_an_exercise_through_the_api(library_app, clock, client):
    gen_user("ctl", "controller")
    response = client.post("/api/v1/auth/token", json={"username": "ctl", "password": PASSWORD})
    assert response.status_code == 200
    token = response.get_json()["token"]
    assert response.get_json()["user"]["role"] == "controller"
    auth = bearer(token)

    response = client.post("/api/v1/exercises", json={"name": "Drill", "scenario": "mini-drill", "speed": 2},
                           headers=auth)
    assert response.status_code == 201, response.get_json()
    exercise = response.get_json()
    assert exercise["status"] == "draft"
    assert exercise["clock"] == {"status": "draft", "elapsed_s": 0.0, "speed": 2.0}
    assert [t["key"] for t in exercise["teams"]] == ["ic", "fire", "ems"]
    assert all(len(t["join_code"]) == 9 for t in exercise["teams"])
    assert exercise["scenario"]["id"] == "mini-drill" and len(exercise["scenario"]["hash"]) == 64
    ex_id = exercise["id"]

    join = client.post("/api/v1/join", json={"code": exercise["teams"][1]["join_code"].lower(), "name": "Sam"})
    assert join.status_code == 201
    fire = bearer(join.get_json()["token"])
    assert join.get_json()["team"] == {"key": "fire", "name": "Fire", "agency": "fire"}

    assert client.post(f"/api/v1/exercises/{ex_id}/start", headers=auth).status_code == 200
    assert client.post(f"/api/v1/exercises/{ex_id}/start", headers=auth).get_json()["error"]["code"] == "conflict"
    clock.advance(90)  # x2: 180 s of exercise time
    run_once(library_app)

    seen_by_fire = client.get(f"/api/v1/exercises/{ex_id}", headers=fire).get_json()
    assert [i["id"] for i in seen_by_fire["injects"]] == ["I-01", "I-03"]
    assert "join_code" not in seen_by_fire["teams"][0]
    assert "expects" not in seen_by_fire["injects"][0]
    assert "&lt;b&gt;" in seen_by_fire["injects"][0]["body_html"]  # HTML in bodies is shown as text

    ack = client.post(f"/api/v1/exercises/{ex_id}/injects/I-03/ack", headers=fire)
    assert ack.status_code == 200 and ack.get_json()["duplicate"] is False
    action = {"client_id": "tablet-1-0001", "step": "FB-01", "text": "Headcount done"}
    first = client.post(f"/api/v1/exercises/{ex_id}/actions", json=action, headers=fire)
    again = client.post(f"/api/v1/exercises/{ex_id}/actions", json=action, headers=fire)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["duplicate"] is True and again.get_json()["seq"] == first.get_json()["seq"]

    held = client.post(f"/api/v1/exercises/{ex_id}/injects/I-04/hold", headers=auth)
    assert held.get_json()["status"] == "held"
    retimed = client.patch(f"/api/v1/exercises/{ex_id}/injects/I-04", json={"at": "30m"}, headers=auth)
    assert retimed.get_json()["at_s"] == 1800.0
    adhoc = client.post(f"/api/v1/exercises/{ex_id}/injects", json={"title": "Power cut", "to": ["ems"]},
                        headers=auth)
    assert adhoc.status_code == 201 and adhoc.get_json()["status"] == "released"

    events = client.get(f"/api/v1/exercises/{ex_id}/events?since=0", headers=auth).get_json()
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert {"inject.released", "inject.acknowledged", "action.logged", "participant.joined"} <= {
        e["type"] for e in events}
    audit = client.get(f"/api/v1/exercises/{ex_id}/audit", headers=auth).get_json()
    assert audit["ok"] is True and audit["events"] == len(events)

    end = client.post(f"/api/v1/exercises/{ex_id}/end", headers=auth)
    assert end.get_json()["status"] == "ended"


def test_validation_errors_name_the_field(library_app, client):
    token_user = gen_user("ctl", "controller")
    from ..helpers import token_for

    auth = bearer(token_for(token_user))
    response = client.post("/api/v1/exercises", json={"name": "", "scenario": "mini-drill", "speed": 999,
                                                      "bogus": 1}, headers=auth)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) >= {"name", "speed", "bogus"}
    response = client.post("/api/v1/exercises", data="not json", headers=auth | {"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()
    response = client.post("/api/v1/exercises", json={"name": "x", "scenario": "nope"}, headers=auth)
    assert response.status_code == 422 and response.get_json()["error"]["fields"]["scenario"]
