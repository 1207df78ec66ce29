"""Who may do what, over HTTP and Socket.IO (DESIGN.md sections 6-7).

The tables below are the contract's authorization rules; a route added to /api/v1 without a
row here fails `test_every_api_route_is_in_the_matrix`.
"""
import io
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from app.extensions import db
from app.models import ExerciseInject, Participant, Team
from app.services import lifecycle
from app.services.evaluation import add_corrective_action, record_observation
from app.services.injects import hold_inject
from app.services.participation import log_action
from app.services.scheduler import run_once

from ..helpers import FIXTURE_LIBRARY, PASSWORD
from .drill import (ROLES, STAFF_ROLES, TEAM_OF, TEAM_ROLES, fill_rule, received_events, staff_user,
                    visible_seqs)


@dataclass
class Row:
    method: str
    rule: str  # exactly as in app.url_map
    expect: str  # one status per role, in ROLES order
    body: Any = None  # a dict, or a function of (drill, role)
    state: str = "running"  # the exercise's state before the request
    inject: str = "R-01"  # for <inject_id>
    prepare: Callable | None = None  # (drill, role) -> more URL values, or None; arranges more first
    form: Callable | None = None  # (drill, role) -> a multipart form, sent instead of a JSON body

    def status_for(self, role: str) -> int:
        return int(self.expect.split()[ROLES.index(role)])


def _hold_reserve(drill, role):
    hold_inject(drill.ex, "R-01", "ctl")
    db.session.commit()


def _prompt_contingency(drill, role):
    """C-01 as the checklist would leave it when its step turns overdue in prompt mode."""
    inject = db.session.scalars(db.select(ExerciseInject).filter_by(exercise_id=drill.ex, key="C-01")).one()
    inject.when_overdue = {"step": "IC-02", "mode": "prompt"}
    inject.prompted_at_s, inject.prompted_for = 200.0, "ic"
    db.session.commit()


def _own_observation(drill, role):
    """One observation by each staff member; the URL names the caller's own (the evaluator's for others)."""
    ids = {role: record_observation(drill.ex, {"text": "Perimeter set late"}, staff_user(name)).id
           for role, name in (("evaluator", "eva"), ("controller", "ctl"), ("admin", "adm"))}
    db.session.commit()
    return {"<int:observation_id>": str(ids.get(role, ids["evaluator"]))}


def _corrective_action(drill, role):
    row = add_corrective_action(drill.ex, _CORRECTIVE_ACTION, staff_user("eva"))
    db.session.commit()
    return {"<int:action_id>": str(row.id)}


def _end(drill, role):
    lifecycle.end_exercise(drill.ex, "ctl")
    db.session.commit()


PLAN_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect width="400" height="300"/></svg>'


def _uploaded_plan(drill, role):
    """A plan uploaded first (by a controller), named as the editor's URL names it."""
    answer = drill.client.post("/api/v1/library/plans", data={"plan": (io.BytesIO(PLAN_SVG), "site.svg")},
                               content_type="multipart/form-data", headers=drill.headers("controller"))
    return {"<path:name>": answer.get_json()["plan"].removeprefix("plans/")}


def _msel_upload(drill, role):
    scenario = FIXTURE_LIBRARY / "injects" / "mini-drill.yaml"
    return {"file": (io.BytesIO(scenario.read_bytes()), scenario.name)}


def _library_draft(drill, role):
    """A valid draft version 2 of the fixture scenario, ready to publish."""
    from app.services import library

    document = dict(library.version("scenario", "mini-drill", 1).document, title="Mini drill, revised")
    library.save_draft("scenario", "mini-drill", document, base=1, actor="ctl")
    db.session.commit()
    return {"<int:number>": "2"}


_NEW_DOCUMENT = {"id": "night-drill", "document": {"id": "night-drill", "title": "Night drill"}}
_DRAFT = {"base": 1, "document": {"id": "mini-drill", "title": "Mini drill, first lines"}}


def _join_body(drill, role):
    code = db.session.scalars(db.select(Team.join_code).filter_by(exercise_id=drill.ex, key="fire")).one()
    return {"code": code, "name": "Jo"}


def _message_body(drill, role):
    # A team writes to control; staff write to a team or to all.
    return {"to": "control" if role in TEAM_ROLES else "all", "text": "Perimeter set at 100 m"}


_ACTION = {"client_id": "tablet-0001-0001", "text": "Hose lines out"}
_NEW_EXERCISE = {"name": "Night drill", "scenario": "mini-drill"}
_WAIVER = {"team": "fire", "step": "FB-01", "reason": "Crew count done by IC"}
_CORRECTIVE_ACTION = {"capability": "Operational Coordination", "issue": "Perimeter set late",
                      "corrective_action": "Drill the perimeter", "capability_element": "Training",
                      "responsible_org": "Fire"}

EX = "/api/v1/exercises/<int:exercise_id>"
INJ = EX + "/injects/<inject_id>"
LIB = "/api/v1/library/<any(scenarios, checklists):collection>"
DOC = LIB + "/<key>"

# Staff have no team: actions and acknowledgements are a tablet's own, so staff get 403 there.
MATRIX = [
    #                                                            anon team other elsewh eval ctl admin
    Row("POST", "/api/v1/auth/token",                            "200  200  200  200    200  200  200",
        body={"username": "ctl", "password": PASSWORD}),
    Row("POST", "/api/v1/join",                                  "201  201  201  201    201  201  201",
        body=_join_body),
    Row("GET", "/api/v1/openapi.json",                           "200  200  200  200    200  200  200"),
    Row("GET", "/api/v1/me",                                     "401  200  200  200    200  200  200"),
    Row("GET", "/api/v1/scenarios",                              "401  403  403  403    200  200  200"),
    Row("GET", "/api/v1/scenarios/<scenario_id>",                "401  403  403  403    200  200  200"),
    Row("GET", "/api/v1/scenarios/<scenario_id>.yaml",           "401  403  403  403    200  200  200"),
    Row("GET", "/api/v1/scenarios/<scenario_id>/msel.<any(csv, xlsx):fmt>",
                                                                 "401  403  403  403    200  200  200"),
    Row("POST", "/api/v1/scenarios/import",                      "401  403  403  403    403  200  200",
        form=_msel_upload),
    Row("GET", "/api/v1/sops",                                   "401  403  403  403    200  200  200"),
    Row("GET", "/api/v1/sops/<sop_id>",                          "401  403  403  403    200  200  200"),
    # The library: staff read, controllers and admins write.
    Row("GET", LIB,                                              "401  403  403  403    200  200  200"),
    Row("POST", LIB,                                             "401  403  403  403    403  201  201",
        body=_NEW_DOCUMENT),
    Row("GET", DOC,                                              "401  403  403  403    200  200  200"),
    Row("GET", DOC + "/versions/<int:number>",                   "401  403  403  403    200  200  200"),
    Row("GET", DOC + "/versions/<int:number>.yaml",              "401  403  403  403    200  200  200"),
    Row("POST", DOC + "/versions",                               "401  403  403  403    403  201  201",
        body=_DRAFT),
    Row("POST", DOC + "/versions/<int:number>/publish",          "401  403  403  403    403  200  200",
        prepare=_library_draft),
    Row("POST", DOC + "/versions/<int:number>/restore",          "401  403  403  403    403  201  201",
        body={}),
    Row("POST", DOC + "/clone",                                  "401  403  403  403    403  201  201",
        body={"id": "mini-copy"}),
    Row("GET", DOC + "/diff",                                    "401  403  403  403    200  200  200"),
    Row("POST", LIB + "/check",                                  "401  403  403  403    200  200  200",
        body={"document": {"id": "mini-drill"}}),
    Row("POST", "/api/v1/library/preview",                       "401  403  403  403    200  200  200",
        body={"body": "**Smoke** at the market"}),
    Row("GET", "/api/v1/library/events",                         "401  403  403  403    200  200  200"),
    Row("GET", "/api/v1/library/audit",                          "401  403  403  403    200  200  200"),
    Row("GET", "/api/v1/library/msel-mappings",                  "401  403  403  403    200  200  200"),
    # The scenario editor's map: upload a site plan (controllers), see it and the field preview (staff).
    Row("POST", "/api/v1/library/plans",                         "401  403  403  403    403  201  201",
        form=lambda drill, role: {"plan": (io.BytesIO(PLAN_SVG), "site.svg")}),
    Row("GET", "/api/v1/library/plans/<path:name>",              "401  403  403  403    200  200  200",
        prepare=_uploaded_plan),
    Row("POST", "/api/v1/library/field-preview",                 "401  403  403  403    200  200  200",
        body={"document": {"id": "x"}}),
    Row("POST", "/api/v1/library/msel-mappings",                 "401  403  403  403    403  200  200",
        body={"name": "hseep", "mapping": {"When": "time"}}),
    Row("GET", "/api/v1/exercises",                              "401  403  403  403    200  200  200"),
    Row("POST", "/api/v1/exercises",                             "401  403  403  403    403  201  201",
        body=_NEW_EXERCISE),
    Row("GET", EX,                                               "401  200  200  403    200  200  200"),
    Row("PATCH", EX,                                             "401  403  403  403    403  200  200",
        body={"speed": 2}),
    Row("POST", EX + "/start",                                   "401  403  403  403    403  200  200",
        state="draft"),
    Row("POST", EX + "/pause",                                   "401  403  403  403    403  200  200"),
    Row("POST", EX + "/resume",                                  "401  403  403  403    403  200  200",
        state="paused"),
    Row("POST", EX + "/end",                                     "401  403  403  403    403  200  200"),
    Row("POST", EX + "/injects",                                 "401  403  403  403    403  201  201",
        body={"title": "Power cut", "to": "all"}),
    Row("PATCH", INJ,                                            "401  403  403  403    403  200  200",
        body={"at": "30m"}),
    Row("POST", INJ + "/release",                                "401  403  403  403    403  200  200"),
    Row("POST", INJ + "/hold",                                   "401  403  403  403    403  200  200"),
    Row("POST", INJ + "/unhold",                                 "401  403  403  403    403  200  200",
        prepare=_hold_reserve),
    Row("POST", INJ + "/skip",                                   "401  403  403  403    403  200  200"),
    Row("POST", INJ + "/dismiss",                                "401  403  403  403    403  200  200",
        inject="C-01", prepare=_prompt_contingency),
    Row("POST", INJ + "/ack",                                    "401  200  200  403    403  403  403",
        inject="I-01"),
    Row("POST", EX + "/actions",                                 "401  201  201  403    403  403  403",
        body=_ACTION),
    Row("POST", EX + "/messages",                                "401  201  201  403    403  201  201",
        body=_message_body),
    Row("POST", EX + "/teams/<team_key>/rotate-code",            "401  403  403  403    403  200  200"),
    Row("GET", EX + "/compliance",                               "401  200  200  403    200  200  200"),
    Row("POST", EX + "/waivers",                                 "401  403  403  403    201  201  201",
        body=_WAIVER),
    # The evaluator's workflow: staff read, evaluators write, teams send a feedback form at the end.
    Row("GET", EX + "/observations",                             "401  403  403  403    200  200  200"),
    Row("POST", EX + "/observations",                            "401  403  403  403    201  201  201",
        body={"text": "Hose lines out at 3 min"}),
    Row("PATCH", EX + "/observations/<int:observation_id>",      "401  403  403  403    200  200  200",
        body={"tag": "strength"}, prepare=_own_observation),
    Row("GET", EX + "/ratings",                                  "401  403  403  403    200  200  200"),
    Row("PUT", EX + "/ratings/<objective_id>",                   "401  403  403  403    200  200  200",
        body={"rating": "S", "rationale": "Perimeter set in 9 minutes"}),
    Row("PUT", EX + "/lead-evaluator",                           "401  403  403  403    403  200  200",
        body={"username": "eva"}),
    Row("GET", EX + "/corrective-actions",                       "401  403  403  403    200  200  200"),
    Row("POST", EX + "/corrective-actions",                      "401  403  403  403    201  201  201",
        body=_CORRECTIVE_ACTION),
    Row("PATCH", EX + "/corrective-actions/<int:action_id>",     "401  403  403  403    200  200  200",
        body={"status": "in-progress"}, prepare=_corrective_action),
    Row("GET", EX + "/feedback",                                 "401  403  403  403    200  200  200"),
    Row("POST", EX + "/feedback",                                "401  201  201  403    403  403  403",
        body={"comments": "Good drill"}, prepare=_end),
    # The after-action report: staff read it, evaluators write its narrative.
    Row("GET", EX + "/report.json",                              "401  403  403  403    200  200  200"),
    Row("GET", EX + "/report.html",                              "401  403  403  403    200  200  200"),
    Row("GET", EX + "/report.pdf",                               "401  403  403  403    200  200  200"),
    Row("PUT", EX + "/report/narrative/<section>",               "401  403  403  403    200  200  200",
        body={"text": "The perimeter was set in 9 minutes."}),
    Row("GET", EX + "/events",                                   "401  403  403  403    200  200  200"),
    Row("GET", EX + "/events.<any(jsonl, csv):fmt>",             "401  403  403  403    200  200  200"),
    Row("GET", EX + "/msel.<any(csv, xlsx):fmt>",                "401  403  403  403    200  200  200"),
    Row("GET", EX + "/improvement-plan.<any(csv, xlsx):fmt>",    "401  403  403  403    200  200  200"),
    Row("GET", EX + "/audit",                                    "401  403  403  403    200  200  200"),
    Row("GET", EX + "/audit/evidence.zip",                       "401  403  403  403    200  200  200"),
    # Zones: the drill's scenario has no site plan, so who may draw is checked (401/403) and then there is no
    # map to draw on (409); tests/api/test_zones_api.py has the same matrix on an exercise with a site.
    Row("GET", EX + "/zones",                                    "401  200  200  403    200  200  200"),
    Row("POST", EX + "/zones",                                   "401  409  409  403    403  409  409",
        body={"kind": "inner-cordon", "geometry": {"type": "Circle", "center": [0, 0], "radius": 120}}),
    Row("PATCH", EX + "/zones/<zone_id>",                        "401  404  404  403    403  404  404",
        body={"geometry": {"type": "Circle", "center": [0, 0], "radius": 120}}),
    Row("DELETE", EX + "/zones/<zone_id>",                       "401  404  404  403    403  404  404"),
    Row("POST", EX + "/zones/<zone_id>/decision",                "401  404  404  403    403  404  404",
        body={"action": "evacuate"}),
    Row("GET", EX + "/zones/verdicts",                           "401  200  200  403    200  200  200"),
    Row("GET", EX + "/zones/expected",                           "401  403  403  403    409  409  409"),
    Row("GET", EX + "/site",                                     "401  404  404  403    404  404  404"),
    Row("GET", EX + "/site/plan",                                "401  404  404  403    404  404  404"),
    # The radiological picture: the drill's scenario has no site, so who may act is checked (401/403)
    # and then there are no responders (409); tests/api/test_radiological_api.py has the matrix on a site.
    Row("GET", EX + "/responders",                               "401  409  409  403    409  409  409"),
    Row("POST", EX + "/responders/moves",                        "401  409  409  403    403  409  409",
        body={"responder": "fire/1", "to": [0, 0]}),
    Row("POST", EX + "/readings",                                "401  409  409  403    403  409  409",
        body={"responder": "fire/1", "instrument": "fire/survey-meter-1"}),
    Row("GET", EX + "/doses",                                    "401  403  403  403    409  409  409"),
    Row("GET", EX + "/doses/history",                            "401  409  409  403    409  409  409"),
    Row("GET", EX + "/field",                                    "401  403  403  403    409  409  409"),
    Row("POST", EX + "/sources/changes",                         "401  403  403  403    403  409  409",
        body={"source": "S1", "removed": True}),
    # Replay: staff look back (evaluators too); only controllers branch a new exercise from a moment.
    Row("GET", EX + "/state",                                    "401  403  403  403    200  200  200"),
    Row("GET", EX + "/timeline",                                 "401  403  403  403    200  200  200"),
    Row("POST", EX + "/branch",                                  "401  403  403  403    403  201  201",
        body={"name": "Second shift", "at_s": 120}),
]


def _request(row: Row, drill, role: str):
    more = row.prepare(drill, role) if row.prepare else None
    body = row.body(drill, role) if callable(row.body) else row.body
    kwargs = {"headers": drill.headers(role)} | ({"json": body} if body is not None else {})
    if row.form:
        kwargs |= {"data": row.form(drill, role), "content_type": "multipart/form-data"}
    return drill.client.open(fill_rule(row.rule, drill, {"<inject_id>": row.inject} | (more or {})), method=row.method, **kwargs)


def _api_routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_api_route_is_in_the_matrix(drill):
    assert _api_routes(drill.app) == {(row.method, row.rule) for row in MATRIX}


CASES = [pytest.param(row, role, id=f"{row.method} {row.rule.removeprefix('/api/v1')} as {role}")
         for row in MATRIX for role in ROLES]


@pytest.mark.parametrize("row, role", CASES)
def test_authorization_matrix(drill, row, role):
    if row.state != "running":
        drill.restore(row.state)
    response = _request(row, drill, role)
    assert response.status_code == row.status_for(role), response.get_json()
    if response.status_code >= 400:
        error = response.get_json()["error"]
        assert error["code"] == {401: "unauthorized", 403: "forbidden", 404: "not_found",
                                 409: "conflict"}[response.status_code]


PUBLIC = {"/api/v1/auth/token", "/api/v1/join", "/api/v1/openapi.json"}


@pytest.mark.parametrize("row", [r for r in MATRIX if r.rule not in PUBLIC], ids=lambda r: f"{r.method} {r.rule}")
def test_who_is_not_signed_in_gets_401_whatever_the_body(drill, row):
    """Authentication comes before validation: an invalid body must not tell strangers anything."""
    if row.state != "running":
        drill.restore(row.state)
    for authorization in (None, "Bearer garbage-token", "Bearer "):
        headers = {"Authorization": authorization} if authorization else {}
        response = drill.client.open(fill_rule(row.rule, drill), method=row.method, headers=headers, json={"bogus": [1, 2]})
        assert response.status_code == 401, authorization
        assert response.get_json()["error"]["code"] == "unauthorized"


# -- what a team sees ------------------------------------------------------------------------

def test_a_team_sees_only_its_released_injects_and_no_join_codes(drill):
    seen = {role: drill.client.get(f"/api/v1/exercises/{drill.ex}", headers=drill.headers(role)).get_json()
            for role in ("team", "other_team", "controller", "evaluator")}
    assert [i["id"] for i in seen["team"]["injects"]] == ["I-01", "I-03"]
    assert [i["id"] for i in seen["other_team"]["injects"]] == ["I-01", "I-04"]
    for role in ("team", "other_team"):
        assert all("join_code" not in team for team in seen[role]["teams"])
        assert all("notes" not in i and "expects" not in i for i in seen[role]["injects"])
        assert "objectives" not in seen[role]
    for role in ("controller", "evaluator"):
        assert {i["id"] for i in seen[role]["injects"]} >= {"I-01", "I-02", "I-03", "I-04", "R-01", "C-01"}
        assert all(team["join_code"] for team in seen[role]["teams"])


def test_a_team_sees_only_its_own_checklist(drill):
    for role, team in (("team", "fire"), ("other_team", "ems")):
        body = drill.client.get(f"/api/v1/exercises/{drill.ex}/compliance", headers=drill.headers(role)).get_json()
        assert [t["key"] for t in body["teams"]] == [team]
    staff = drill.client.get(f"/api/v1/exercises/{drill.ex}/compliance",
                             headers=drill.headers("evaluator")).get_json()
    assert [t["key"] for t in staff["teams"]] == ["ic", "fire", "ems"]


def test_a_team_cannot_acknowledge_another_teams_inject(drill):
    # I-03 went to fire only: for ems it does not exist.
    response = drill.client.post(f"/api/v1/exercises/{drill.ex}/injects/I-03/ack",
                                 headers=drill.headers("other_team"))
    assert response.status_code == 404
    response = drill.client.post(f"/api/v1/exercises/{drill.ex}/injects/R-01/ack", headers=drill.headers("team"))
    assert response.status_code == 404  # not released yet


def test_a_team_cannot_log_another_teams_step(drill):
    response = drill.client.post(f"/api/v1/exercises/{drill.ex}/actions", headers=drill.headers("other_team"),
                                 json={"client_id": "tablet-ems-0001", "step": "FB-01"})
    assert response.status_code == 422 and "step" in response.get_json()["error"]["fields"]


def test_a_client_id_of_another_team_is_refused_not_answered(drill):
    """Idempotency must not let a tablet read (or swallow) another team's action by guessing its client_id."""
    action = {"client_id": "tablet-fire-0001", "text": "Hose lines out"}
    url = f"/api/v1/exercises/{drill.ex}/actions"
    first = drill.client.post(url, headers=drill.headers("team"), json=action)
    assert first.status_code == 201
    again = drill.client.post(url, headers=drill.headers("other_team"), json=action)
    assert again.status_code == 409
    assert "seq" not in again.get_json() and "action_id" not in again.get_json()


def test_a_team_writes_to_control_only(drill):
    for to in ("all", "ems", "fire"):
        response = drill.client.post(f"/api/v1/exercises/{drill.ex}/messages", headers=drill.headers("team"),
                                     json={"to": to, "text": "hello"})
        assert response.status_code == 422 and "to" in response.get_json()["error"]["fields"]


def test_a_revoked_tablet_gets_401_and_its_team_mates_new_join_works(drill):
    old_code = _join_body(drill, "team")["code"]
    rotated = drill.client.post(f"/api/v1/exercises/{drill.ex}/teams/fire/rotate-code",
                                headers=drill.headers("controller"))
    assert rotated.status_code == 200
    fire = drill.headers("team")
    for method, path, body in (("GET", f"/api/v1/exercises/{drill.ex}", None), ("GET", "/api/v1/me", None),
                               ("POST", f"/api/v1/exercises/{drill.ex}/actions", _ACTION),
                               ("POST", f"/api/v1/exercises/{drill.ex}/injects/I-01/ack", None),
                               ("POST", f"/api/v1/exercises/{drill.ex}/messages", {"to": "control", "text": "hi"})):
        response = drill.client.open(path, method=method, headers=fire, json=body)
        assert response.status_code == 401, path
        assert response.get_json()["error"]["code"] == "unauthorized"
    # Other teams are untouched; the new code works and the old one does not.
    assert drill.client.get(f"/api/v1/exercises/{drill.ex}", headers=drill.headers("other_team")).status_code == 200
    new_code = rotated.get_json()["join_code"]
    assert drill.client.post("/api/v1/join", json={"code": new_code, "name": "Fi"}).status_code == 201
    assert drill.client.post("/api/v1/join", json={"code": old_code, "name": "Fi"}).status_code == 404
    # A disabled staff account stops working at once too.
    staff_user("eva").active = False
    db.session.commit()
    assert drill.client.get("/api/v1/exercises", headers=drill.headers("evaluator")).status_code == 401


# -- Socket.IO ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_socket_connect(drill, role):
    sio = drill.socket(role)
    assert sio.is_connected() is (role != "anonymous")
    if role in TEAM_ROLES:
        state = [m for m in sio.get_received() if m["name"] == "state"]
        assert len(state) == 1 and state[0]["args"][0]["you"]["team"]["key"] == TEAM_OF[role]


@pytest.mark.parametrize("auth", [None, {}, {"token": ""}, {"token": "garbage"}, {"token": 42}, {"token": None},
                                  {"token": ["x"]}, "just-a-string", ["token"], 7],
                         ids=lambda a: repr(a))
def test_socket_connect_without_a_valid_token_is_refused(drill, auth):
    assert drill.socket(auth=auth).is_connected() is False


def test_socket_connect_with_a_revoked_token_is_refused_and_live_tablets_are_dropped(drill):
    live = drill.socket("team")
    other = drill.socket("other_team")
    assert live.is_connected()
    drill.client.post(f"/api/v1/exercises/{drill.ex}/teams/fire/rotate-code", headers=drill.headers("controller"))
    assert live.is_connected() is False
    assert other.is_connected() and other.emit("sync", {"since": 0}, callback=True)["ok"] is True
    assert drill.socket("team").is_connected() is False


def test_socket_connect_with_a_staff_browser_session(drill):
    user = staff_user("eva")
    with drill.client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    sio = drill.socket(auth=None)
    assert sio.is_connected()
    assert sio.emit("watch", {"exercise_id": drill.ex}, callback=True)["ok"] is True


SOCKET_PAYLOADS = {
    "watch": lambda drill: {"exercise_id": drill.ex},
    "ack_inject": lambda drill: {"inject_id": "I-01"},  # to all
    "log_action": lambda drill: {"client_id": "tablet-0001-0001", "text": "Hose lines out"},
    "sync": lambda drill: {"since": 0},
    "message to control": lambda drill: {"to": "control", "text": "Need foam"},
    "message to all": lambda drill: {"to": "all", "text": "Foam coming"},
    "draw_zone": lambda drill: {"kind": "inner-cordon", "geometry": {"type": "Circle", "center": [0, 0], "radius": 99}},
    "change_zone": lambda drill: {"zone_id": "Z1", "geometry": {"type": "Circle", "center": [0, 0], "radius": 99}},
    "remove_zone": lambda drill: {"zone_id": "Z1"},
    "move_responder": lambda drill: {"responder": "fire/1", "to": [0, 0]},
    "take_reading": lambda drill: {"responder": "fire/1", "instrument": "fire/survey-meter-1"},
}
# The ack each role gets: ok, or the error code. `elsewhere` acts in its own exercise here (socket
# events name no exercise; the live and sync tests below check it never reaches this one).
SOCKET_MATRIX = [
    #                       team      other_team elsewhere evaluator controller admin
    ("watch",              "forbidden forbidden  forbidden ok        ok         ok"),
    ("ack_inject",         "ok        ok         ok        forbidden forbidden  forbidden"),
    ("log_action",         "ok        ok         ok        forbidden forbidden  forbidden"),
    ("sync",               "ok        ok         ok        ok        ok         ok"),
    ("message to control", "ok        ok         ok        forbidden invalid    invalid"),
    ("message to all",     "invalid   invalid    invalid   forbidden ok         ok"),
    # The drill's scenario has no site: who may draw is checked, then there is no map (or no zone).
    ("draw_zone",          "conflict  conflict   conflict  forbidden conflict   conflict"),
    ("change_zone",        "not_found not_found  not_found forbidden not_found  not_found"),
    ("remove_zone",        "not_found not_found  not_found forbidden not_found  not_found"),
    ("move_responder",     "conflict  conflict   conflict  forbidden conflict   conflict"),
    ("take_reading",       "conflict  conflict   conflict  forbidden conflict   conflict"),
]
SIGNED_IN = [r for r in ROLES if r != "anonymous"]


@pytest.mark.parametrize("event, expect", SOCKET_MATRIX, ids=[event for event, _ in SOCKET_MATRIX])
@pytest.mark.parametrize("role", SIGNED_IN)
def test_socket_event_matrix(drill, event, expect, role):
    sio = drill.watching(role)
    ack = sio.emit(event.split()[0], SOCKET_PAYLOADS[event](drill), callback=True)
    wanted = expect.split()[SIGNED_IN.index(role)]
    if wanted == "ok":
        assert ack["ok"] is True, ack
    else:
        assert ack == {"ok": False, "error": ack["error"]} and ack["error"]["code"] == wanted, ack
    assert sio.is_connected()


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_must_watch_before_sync_or_message(drill, role):
    sio = drill.socket(role)
    for event, payload in (("sync", {"since": 0}), ("message", {"to": "all", "text": "hi"})):
        ack = sio.emit(event, payload, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] in ("invalid", "forbidden")
    assert sio.emit("watch", {"exercise_id": drill.other_ex + 100}, callback=True)["error"]["code"] == "not_found"
    assert sio.is_connected()


def test_a_revoked_tablet_gets_unauthorized_acks_if_its_connection_survives(drill):
    """On another server process the socket is not dropped at once: every event is refused instead."""
    sio = drill.socket("team")
    participant = db.session.scalars(db.select(Participant).filter_by(display_name="Fiona")).one()
    participant.revoked_at = drill.clock()
    db.session.commit()
    for event, payload in (("sync", {"since": 0}), ("ack_inject", {"inject_id": "I-01"}),
                           ("log_action", _ACTION), ("message", {"to": "control", "text": "hi"})):
        assert sio.emit(event, payload, callback=True)["error"]["code"] == "unauthorized"


def test_live_events_reach_only_the_teams_they_are_for(drill):
    drill.restore("draft")
    clients = {role: drill.watching(role) for role in SIGNED_IN}
    before = visible_seqs(drill.ex, None)[-1]
    ctl = drill.headers("controller")

    assert drill.client.post(f"/api/v1/exercises/{drill.ex}/start", headers=ctl).status_code == 200
    drill.clock.advance(250)  # I-01 all, I-02 ic, I-03 fire, I-04 ems
    run_once(drill.app)
    drill.client.post(f"/api/v1/exercises/{drill.ex}/injects", headers=ctl,
                      json={"title": "Wind shift", "to": ["ems"]})
    drill.client.post(f"/api/v1/exercises/{drill.ex}/messages", headers=ctl, json={"to": "ems", "text": "for ems"})
    drill.client.post(f"/api/v1/exercises/{drill.ex}/messages", headers=ctl, json={"to": "all", "text": "for all"})
    assert clients["team"].emit("log_action", {"client_id": "fire-0000-0001", "step": "FB-01"},
                                callback=True)["ok"]
    assert clients["other_team"].emit("log_action", {"client_id": "ems-0000-00001", "text": "Triage area set"},
                                      callback=True)["ok"]
    clients["team"].emit("message", {"to": "control", "text": "fire to control"}, callback=True)

    got = {role: received_events(sio) for role, sio in clients.items()}

    def injects(role):
        return [e["data"]["id"] for e in got[role] if e["type"] == "inject.released"]

    def action_teams(role):
        return {e["data"]["action"]["team"] for e in got[role] if e["type"] == "action.logged"}

    def messages(role):
        return [e["data"]["text"] for e in got[role] if e["type"] == "message"]

    assert injects("team") == ["I-01", "I-03"]
    assert injects("other_team") == ["I-01", "I-04", "X-01"]
    assert injects("elsewhere") == []
    assert action_teams("team") == {"fire"} and action_teams("other_team") == {"ems"}
    assert messages("team") == ["for all", "fire to control"]
    assert messages("other_team") == ["for ems", "for all"]
    assert got["elsewhere"] == []
    for role in ("team", "other_team"):
        team = TEAM_OF[role]
        assert all(e["team"] in (None, team) for e in got[role]), got[role]
        assert all(e["data"].get("team") in (None, team) for e in got[role] if e["type"] == "step.status")
    # Staff who watch get every event once, in order; a tablet exactly the events it may see.
    for role in STAFF_ROLES:
        assert [e["seq"] for e in got[role]] == [s for s in visible_seqs(drill.ex, None) if s > before]
        assert set(injects(role)) == {"I-01", "I-02", "I-03", "I-04", "X-01"}
        assert action_teams(role) == {"fire", "ems"}
    for role in ("team", "other_team"):
        team = TEAM_OF[role]
        assert [e["seq"] for e in got[role]] == [s for s in visible_seqs(drill.ex, team) if s > before]


@pytest.mark.parametrize("role", SIGNED_IN)
def test_sync_returns_exactly_what_the_client_may_see(drill, role):
    # Actions of both teams, staff-only events and team messages in the log.
    for name, client_id in (("Fiona", "fire-0000-0001"), ("Emil", "ems-0000-00001")):
        log_action(db.session.scalars(db.select(Participant).filter_by(display_name=name)).one(), client_id,
                   text="did something")
    db.session.commit()
    drill.client.post(f"/api/v1/exercises/{drill.ex}/injects/R-01/hold", headers=drill.headers("controller"))
    drill.client.post(f"/api/v1/exercises/{drill.ex}/messages", headers=drill.headers("controller"),
                      json={"to": "ems", "text": "for ems"})

    sio = drill.watching(role)
    ack = sio.emit("sync", {"since": 0}, callback=True)
    assert ack["ok"] is True
    seqs = [e["seq"] for e in ack["events"]]
    if role in STAFF_ROLES:
        assert seqs == visible_seqs(drill.ex, None)
    elif role == "elsewhere":
        assert seqs == visible_seqs(drill.other_ex, "fire")
    else:
        team = TEAM_OF[role]
        assert seqs == visible_seqs(drill.ex, team)
        assert {e["data"]["action"]["team"] for e in ack["events"] if e["type"] == "action.logged"} == {team}
        assert all(e["type"] not in ("exercise.created", "inject.held") for e in ack["events"])
    later = sio.emit("sync", {"since": seqs[len(seqs) // 2]}, callback=True)["events"]
    assert [e["seq"] for e in later] == seqs[len(seqs) // 2 + 1:]
