"""Replay, the hot wash and branching through the API, on the mini drill played to the end.

The drill (tests/api/test_report.py `played`): I-01 to all at 1:00, I-02 to ic at 2:00, the ad-hoc
X-01 to fire at 3:20, I-03 to fire at 3:00, I-04 to ems at 4:00; acknowledgements, checklist ticks,
R-01 proposed and dismissed, C-01 released by the checklist at 12:00, observations, the end at 14:00.
"""
import json

from marshmallow import ValidationError

from app.extensions import db
from app.models import Event, Exercise
from app.schemas.replay import StateOut, TimelineOut
from app.services.events import iter_events

from .test_report import played  # noqa: F401  (the fixture)


def get_state(client, played, role="evaluator", **query):
    response = client.get(f"{played.url}/state", headers=played.auth[role], query_string=query)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    StateOut().load(body)  # the documented schema describes every field sent
    return body


def statuses(state):
    return {key: inject["status"] for key, inject in state["injects"].items()}


def test_the_state_at_three_moments_is_the_drill_as_it_stood(client, played):
    at_2m30 = get_state(client, played, t="2:30")
    assert at_2m30["at_s"] == 150.0 and at_2m30["exercise"]["status"] == "running"
    assert statuses(at_2m30) == {"I-01": "released", "I-02": "released", "I-03": "pending", "I-04": "pending",
                                 "R-01": "pending", "C-01": "pending"}
    assert set(at_2m30["injects"]["I-01"]["acks"]) == {"ic", "fire"}

    at_6m = get_state(client, played, at_s=360)
    assert statuses(at_6m)["X-01"] == "released" and statuses(at_6m)["R-01"] == "pending"
    assert at_6m["steps"]["ems"]["EMS-01"]["status"] == "done"
    assert set(at_6m["actions"]) == {"ems-triage-1", "fire-note-01"}
    assert at_6m["prompts"] == {}  # FB-01 goes overdue at 6:40: R-01 is proposed then
    assert at_6m["observations"] == {}

    end = get_state(client, played)
    assert end["seq"] == end["last_seq"] == db.session.get(Exercise, played.id).last_seq
    assert end["exercise"]["status"] == "ended" and end["at_s"] == end["end_s"] == 840.0
    assert statuses(end)["C-01"] == "released" and end["prompts"]["R-01"]["outcome"] == "dismissed"
    assert len(end["observations"]) == 5 and end["consensus"]["OBJ-1"]["rating"] == "M"
    # The same moment asked by seq gives the same state.
    assert get_state(client, played, seq=at_6m["seq"]) | {"at_s": 360} == at_6m


def test_the_state_is_folded_from_the_log_not_read_from_the_rows(client, played):
    before = get_state(client, played, t="5m")
    db.session.execute(db.text("UPDATE exercise_injects SET title = 'changed in the table'"))
    db.session.commit()
    assert get_state(client, played, t="5m") == before


def test_a_team_lens_is_what_the_tablet_had(client, played):
    fire = get_state(client, played, t="3:30", team="fire")
    assert fire["lens"] == "fire"
    assert set(fire["injects"]) == {"I-01", "I-03", "X-01"}
    assert all("expects" not in i and "notes" not in i for i in fire["injects"].values())
    assert set(fire["injects"]["I-01"]["acks"]) == {"fire"}  # ic's acknowledgement went to ic
    assert fire["observations"] == {} and fire["prompts"] == {}
    ems = get_state(client, played, team="ems", recent=1)
    assert set(ems["injects"]) == {"I-01", "I-04"}
    assert list(ems["steps"]) == ["ems"] and [a["team"] for a in ems["actions"].values()] == ["ems"]
    assert ems["totals"]["actions"] == 1


def test_the_events_a_team_was_sent_are_what_its_lens_folds(client, played):
    everything = client.get(f"{played.url}/events?limit=10000", headers=played.auth["evaluator"]).get_json()
    fire = client.get(f"{played.url}/events?team=fire&limit=10000", headers=played.auth["evaluator"]).get_json()
    sent = {e["seq"] for e in event_rows_visible(played.id, "fire")}
    assert {e["seq"] for e in fire} == sent and len(fire) < len(everything)
    assert not {e["type"] for e in fire} & {"exercise.created", "observation", "contingency.prompt", "rating.set"}
    page = client.get(f"{played.url}/events?team=fire&since=5&limit=3", headers=played.auth["evaluator"]).get_json()
    assert [e["seq"] for e in page] == sorted(s for s in sent if s > 5)[:3]
    lens = get_state(client, played, team="fire")
    assert lens["seq"] == max(sent)


def event_rows_visible(exercise_id, team):
    from app.engine.projection import visible_to_team

    return [e for e in iter_events(exercise_id) if visible_to_team(e, team)]


def test_recent_keeps_the_last_entries_and_totals_count_them_all(client, played):
    full = get_state(client, played)
    last_two = get_state(client, played, recent=2)
    assert last_two["totals"] == full["totals"] and full["totals"]["actions"] == 5
    by_seq = sorted(full["actions"], key=lambda key: full["actions"][key]["seq"])
    assert set(last_two["actions"]) == set(by_seq[-2:])
    assert last_two["feedback"] == full["feedback"][-2:]
    assert get_state(client, played, recent=0)["messages"] == []


def test_the_timeline_has_a_marker_for_each_thing_that_happened(client, played):
    response = client.get(f"{played.url}/timeline", headers=played.auth["evaluator"])
    assert response.status_code == 200
    body = response.get_json()
    TimelineOut().load(body)
    assert (body["start_s"], body["end_s"], body["status"]) == (0.0, 840.0, "ended")
    kinds = [m["type"] for m in body["markers"]]
    assert kinds.count("inject.released") == 6 and kinds.count("observation") == 5
    assert {"inject.acknowledged", "step.status", "contingency.prompt", "contingency.dismissed",
            "exercise.started", "exercise.ended"} <= set(kinds)
    assert "action.logged" not in kinds
    first = next(m for m in body["markers"] if m["type"] == "inject.released")
    assert (first["at_s"], first["label"]) == (60.0, "I-01 Explosion reported")
    fire = client.get(f"{played.url}/timeline?team=fire", headers=played.auth["evaluator"]).get_json()
    assert {m["type"] for m in fire["markers"]} <= {"inject.released", "inject.acknowledged", "step.status",
                                                     "exercise.started", "exercise.ended", "message"}
    assert all(m["team"] in (None, "fire") for m in fire["markers"])


def test_hot_wash_observations_are_stamped_with_the_replayed_moment(client, played):
    response = client.post(f"{played.url}/observations", headers=played.auth["evaluator"],
                           json={"text": "At 3:30 nobody had counted crews yet", "team": "fire", "at": "3:30",
                                 "hotwash": True})
    assert response.status_code == 201, response.get_json()
    note = response.get_json()
    assert note["exercise_time_s"] == 210.0 and note["hotwash"] is True
    listed = client.get(f"{played.url}/observations", headers=played.auth["evaluator"]).get_json()
    assert [o.get("hotwash", False) for o in listed].count(True) == 1
    # It is in the log after everything else, with its moment; the scrubber shows it at 3:30.
    end = get_state(client, played)
    assert end["observations"][str(note["id"])]["hotwash"] is True
    marker = client.get(f"{played.url}/timeline", headers=played.auth["evaluator"]).get_json()["markers"][-1]
    assert marker["type"] == "observation" and marker["seq"] == end["seq"]


def test_branching_through_the_api(client, played, runner):
    response = client.post(f"{played.url}/branch", headers=played.auth["controller"],
                           json={"name": "Market drill, night shift", "t": "3:30", "carry_actions": False})
    assert response.status_code == 201, response.get_json()
    branch = response.get_json()
    source_events = list(iter_events(played.id))
    seq = max(e["seq"] for e in source_events if e["exercise_time_s"] <= 210)
    assert branch["status"] == "draft" and branch["clock"]["elapsed_s"] == 210.0
    assert branch["branched_from"] == {"exercise_id": played.id, "seq": seq, "at_s": 210.0,
                                       "hash": source_events[seq - 1]["hash"]}
    source = client.get(played.url, headers=played.auth["controller"]).get_json()
    assert {t["key"] for t in branch["teams"]} == {t["key"] for t in source["teams"]}
    assert not {t["join_code"] for t in branch["teams"]} & {t["join_code"] for t in source["teams"]}
    injects = {i["id"]: i for i in branch["injects"]}
    assert {k for k, i in injects.items() if i.get("carried_over")} == {"I-01", "I-02", "I-03", "X-01"}
    assert injects["I-04"]["status"] == "pending" and "carried_over" not in injects["I-04"]
    assert injects["I-01"]["released_at_s"] == 60.0

    url = f"/api/v1/exercises/{branch['id']}"
    audit = client.get(f"{url}/audit", headers=played.auth["evaluator"]).get_json()
    assert audit["ok"] is True
    result = runner.invoke(args=["audit", "verify", str(branch["id"])])
    assert result.exit_code == 0 and result.output.startswith("OK")
    first = db.session.scalars(db.select(Event).where(Event.exercise_id == branch["id"]).order_by(Event.seq)).first()
    assert first.type == "exercise.branched" and first.visible_to == []

    # The branch's own replay starts at the moment, with the history carried over.
    state = get_state(client, _at(played, url))
    assert state["exercise"]["branched_from"]["seq"] == seq and state["at_s"] == 210.0
    assert statuses(state)["I-03"] == "released" and state["actions"] == {}
    timeline = client.get(f"{url}/timeline", headers=played.auth["evaluator"]).get_json()
    assert timeline["start_s"] == 210.0
    report = client.get(f"{url}/report.json", headers=played.auth["evaluator"])
    assert report.status_code == 200 and report.get_json()["audit"]["ok"] is True

    # It runs from the moment on: I-04 (4:00) is released by the clock.
    assert client.post(f"{url}/start", headers=played.auth["controller"]).status_code == 200
    view = client.get(url, headers=played.auth["controller"]).get_json()
    assert view["clock"]["elapsed_s"] == 210.0


def _at(played, url):
    """The drill's helper object pointed at another exercise."""
    return type(played)(played.id, url, played.auth, played.users, played.tablets)


def test_carried_actions_keep_their_times(client, played):
    response = client.post(f"{played.url}/branch", headers=played.auth["controller"],
                           json={"name": "Replay with actions", "at_s": 650, "carry_actions": True})
    assert response.status_code == 201
    url = f"/api/v1/exercises/{response.get_json()['id']}"
    state = get_state(client, _at(played, url))
    actions = sorted(state["actions"].values(), key=lambda a: a["seq"])  # JSON objects: order by seq
    assert [(a["client_id"], a["exercise_time_s"]) for a in actions] == [
        ("ems-triage-1", 300.0), ("fire-note-01", 330.0), ("fire-head-01", 500.0), ("fire-surv-01", 600.0)]
    assert all(a["carried_from"]["exercise_id"] == played.id for a in state["actions"].values())
    compliance = client.get(f"{url}/compliance", headers=played.auth["evaluator"]).get_json()
    fire = next(t for t in compliance["teams"] if t["key"] == "fire")
    assert {s["step"]: s["status"] for s in fire["steps"]}["FB-01"] == "late"  # done at 8:20, due at 8:00


def test_branching_refusals(client, played):
    url = f"{played.url}/branch"
    evaluator = client.post(url, headers=played.auth["evaluator"], json={"name": "x", "at_s": 10})
    assert evaluator.status_code == 403
    draft = client.post("/api/v1/exercises", headers=played.auth["controller"],
                        json={"name": "Not started", "scenario": "mini-drill"}).get_json()
    response = client.post(f"/api/v1/exercises/{draft['id']}/branch", headers=played.auth["controller"],
                           json={"name": "x", "at_s": 0})
    assert response.status_code == 409
    after_the_end = client.post(url, headers=played.auth["controller"], json={"name": "x", "at_s": 900})
    assert after_the_end.status_code == 422 and "at_s" in after_the_end.get_json()["error"]["fields"]
    before_the_log = client.post(url, headers=played.auth["controller"], json={"name": "x", "seq": 0})
    assert before_the_log.status_code == 422 and "seq" in before_the_log.get_json()["error"]["fields"]
    # A branch's own moments begin where it was made.
    branch = client.post(url, headers=played.auth["controller"], json={"name": "x", "at_s": 300}).get_json()
    again = client.post(f"/api/v1/exercises/{branch['id']}/branch", headers=played.auth["controller"],
                        json={"name": "y", "at_s": 200})
    assert again.status_code == 409  # the branch is a draft: nothing happened in it yet
    assert client.post(f"/api/v1/exercises/{branch['id']}/start", headers=played.auth["controller"]).status_code == 200
    again = client.post(f"/api/v1/exercises/{branch['id']}/branch", headers=played.auth["controller"],
                        json={"name": "y", "at_s": 200})
    assert again.status_code == 422 and "at_s" in again.get_json()["error"]["fields"]
    assert client.post(f"/api/v1/exercises/{branch['id']}/branch", headers=played.auth["controller"],
                       json={"name": "y", "at_s": 300}).status_code == 201


def test_the_openapi_document_describes_the_state(client):
    spec = json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))
    operation = spec["paths"]["/api/v1/exercises/{exercise_id}/state"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StateOut"}
    assert {p["name"] for p in operation["parameters"] if p["in"] == "query"} == {"seq", "at_s", "t", "team", "recent"}
    injects = spec["components"]["schemas"]["InjectStateOut"]["properties"]
    assert {"status", "released_at_s", "acks", "carried_over"} <= set(injects)
    assert spec["paths"]["/api/v1/exercises/{exercise_id}/branch"]["post"]["requestBody"]["content"][
        "application/json"]["schema"] == {"$ref": "#/components/schemas/BranchIn"}


def test_a_schema_that_misses_a_field_is_caught():
    """The check used above can fail: a state with a field StateOut does not describe is refused."""
    try:
        StateOut().load({"seq": 1, "injects": {"I-01": {"id": "I-01", "secret": 1}}})
    except ValidationError as exc:
        assert "injects" in exc.messages
    else:
        raise AssertionError("an undescribed field was accepted")
