"""The evaluator workflow through the API: observations, ratings, the improvement plan, feedback forms."""
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import Event, Exercise, User
from app.services import lifecycle
from app.services.audit import verify_exercise
from app.services.events import events_since

from ..conftest import TEST_SETTINGS
from ..helpers import PASSWORD, bearer, gen_exercise, gen_tablet, token_for

OBJECTIVE = {"id": "OBJ-1", "text": "Set the perimeter within 10 minutes.", "capability": "Operational Coordination"}
PLAN_ROW = {"objective": "OBJ-1", "capability": "Operational Coordination",
            "issue": "The perimeter was set 9 minutes after the alarm.",
            "corrective_action": "Add the 400 m cordon to the first-engine card.", "capability_element": "Planning",
            "responsible_org": "City Fire Department", "point_of_contact": "Deputy Chief Ruiz",
            "start_date": "2027-01-15", "completion_date": "2027-03-31"}


_PASSWORD_HASH = generate_password_hash(PASSWORD)


def staff_user(username, role):
    """Like helpers.gen_user, with one password hash for all: these tests sign in with tokens, and
    hashing four passwords per test would be most of the suite's time."""
    user = User(username=username, role=role, password_hash=_PASSWORD_HASH)
    db.session.add(user)
    db.session.commit()
    return user


@dataclass
class Drill:
    id: int
    url: str
    auth: dict  # role -> headers
    fire: object  # the fire team's tablet

    def headers(self, role):
        return self.auth[role]


@pytest.fixture
def ttx(library_app, clock, client):
    """A running mini-drill at 2 minutes, with an admin, a controller, two evaluators and a fire tablet."""
    users = {"admin": staff_user("root", "admin"), "controller": staff_user("ctl", "controller"),
             "evaluator": staff_user("eva", "evaluator"), "evaluator2": staff_user("eve", "evaluator")}
    exercise = gen_exercise()
    fire = gen_tablet(exercise, "fire", "Sam")
    auth = {role: bearer(token_for(user)) for role, user in users.items()}
    auth |= {"anonymous": {}, "participant": bearer(fire.token)}
    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    clock.advance(120)
    return Drill(exercise.id, f"/api/v1/exercises/{exercise.id}", auth, fire)


def end(ttx):
    lifecycle.end_exercise(ttx.id, "ctl")
    db.session.commit()


def staff_events(ttx, *types):
    rows = db.session.scalars(select(Event).where(Event.exercise_id == ttx.id).order_by(Event.seq)).all()
    return [e for e in rows if e.type in types]


def observe(client, ttx, role="evaluator", **body):
    response = client.post(f"{ttx.url}/observations", json={"text": "IC named at once"} | body,
                           headers=ttx.headers(role))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# -- who may call what -------------------------------------------------------------------------

ROLES = ("anonymous", "participant", "evaluator", "controller", "admin")
READ = dict(anonymous=401, participant=403, evaluator=200, controller=200, admin=200)
WRITE = dict(anonymous=401, participant=403, evaluator=201, controller=201, admin=201)
EDIT = dict(anonymous=401, participant=403, evaluator=200, controller=200, admin=200)
MATRIX = [
    ("GET", "/observations", None, READ),
    ("POST", "/observations", {"text": "Perimeter set at 400 m", "team": "fire"}, WRITE),
    # The observation was written by the evaluator: nobody else may edit it, not even an admin.
    ("PATCH", "/observations/{obs}", {"text": "Perimeter set at 300 m"},
     dict(anonymous=401, participant=403, evaluator=200, controller=403, admin=403)),
    ("GET", "/ratings", None, READ),
    ("PUT", "/ratings/OBJ-1", {"rating": "S", "rationale": "Perimeter late"}, EDIT),
    # The evaluator is the lead: the lead and admins set the consensus.
    ("PUT", "/ratings/OBJ-1", {"rating": "S", "rationale": "Agreed at the hot wash", "consensus": True},
     dict(anonymous=401, participant=403, evaluator=200, controller=403, admin=200)),
    ("PUT", "/lead-evaluator", {"username": "eve"},
     dict(anonymous=401, participant=403, evaluator=403, controller=200, admin=200)),
    ("GET", "/corrective-actions", None, READ),
    ("POST", "/corrective-actions", PLAN_ROW, WRITE),
    ("PATCH", "/corrective-actions/{row}", {"status": "in-progress"}, EDIT),
    ("GET", "/feedback", None, READ),
    ("POST", "/feedback", {"ratings": {"tablet_easy": 5}},
     dict(anonymous=401, participant=201, evaluator=403, controller=403, admin=403)),
]


@pytest.mark.parametrize("method, path, body, expected", MATRIX,
                         ids=[f"{m} {p}{' consensus' if b and 'consensus' in b else ''}" for m, p, b, _ in MATRIX])
def test_role_matrix(client, ttx, method, path, body, expected):
    obs = observe(client, ttx)["id"]
    row = client.post(f"{ttx.url}/corrective-actions", json=PLAN_ROW, headers=ttx.headers("controller"))
    assert client.put(f"{ttx.url}/lead-evaluator", json={"username": "eva"},
                      headers=ttx.headers("controller")).status_code == 200
    end(ttx)  # feedback opens at the end; the rest works before and after
    url = ttx.url + path.format(obs=obs, row=row.get_json()["id"])
    # Refused calls change nothing, so the roles can take turns on one ttx.
    for role in ROLES:
        response = client.open(url, method=method, json=body, headers=ttx.headers(role))
        assert response.status_code == expected[role], (role, response.get_json())
        if response.status_code >= 400:
            assert response.get_json()["error"]["code"] in ("unauthorized", "forbidden")


def test_the_wrong_caller_is_refused_before_the_body_is_read(client, ttx):
    for role, status in (("anonymous", 401), ("participant", 403)):
        response = client.post(f"{ttx.url}/observations", json={"bogus": 1}, headers=ttx.headers(role))
        assert response.status_code == status
        response = client.post(f"{ttx.url}/corrective-actions", json=[], headers=ttx.headers(role))
        assert response.status_code == status
    response = client.post(f"{ttx.url}/feedback", json={"bogus": 1}, headers=ttx.headers("controller"))
    assert response.status_code == 403


def test_an_unknown_exercise_is_404(client, ttx):
    for method, path in (("GET", "/observations"), ("GET", "/ratings"), ("GET", "/corrective-actions"),
                         ("GET", "/feedback")):
        response = client.open(f"/api/v1/exercises/999{path}", method=method, headers=ttx.headers("evaluator"))
        assert response.status_code == 404
    response = client.post("/api/v1/exercises/999/observations", json={"text": "x"},
                           headers=ttx.headers("evaluator"))
    assert response.status_code == 404


# -- observations --------------------------------------------------------------------------

def test_an_observation_is_stamped_with_the_exercise_clock_and_defaults_to_the_objectives_capability(
        client, ttx, clock):
    first = observe(client, ttx, team="ic", objective="OBJ-1", tag="strength")
    assert first | {"id": 0, "wall_time": ""} == {
        "id": 0, "exercise_time_s": 120.0, "team": "ic", "objective": "OBJ-1",
        "capability": "Operational Coordination", "text": "IC named at once", "tag": "strength",
        "evaluator": "eva", "wall_time": ""}
    assert first["wall_time"] == clock.now.isoformat()

    earlier = observe(client, ttx, "controller", text="Engine 1 approached upwind", at="0:30",
                      capability="Fire Management and Suppression")
    assert earlier["exercise_time_s"] == 30.0 and earlier["capability"] == "Fire Management and Suppression"
    assert earlier["evaluator"] == "ctl" and earlier["team"] is None and earlier["tag"] is None
    exact = observe(client, ttx, "admin", text="Radio traffic heavy", exercise_time_s=75.5, tag="improvement")
    assert exact["exercise_time_s"] == 75.5

    listed = client.get(f"{ttx.url}/observations", headers=ttx.headers("evaluator2")).get_json()
    assert [o["exercise_time_s"] for o in listed] == [30.0, 75.5, 120.0]
    only_ic = client.get(f"{ttx.url}/observations?team=ic", headers=ttx.headers("evaluator")).get_json()
    assert [o["id"] for o in only_ic] == [first["id"]]
    improvements = client.get(f"{ttx.url}/observations?tag=improvement", headers=ttx.headers("evaluator"))
    assert [o["id"] for o in improvements.get_json()] == [exact["id"]]
    bad_filter = client.get(f"{ttx.url}/observations?tag=weakness", headers=ttx.headers("evaluator"))
    assert bad_filter.status_code == 422 and "tag" in bad_filter.get_json()["error"]["fields"]


@pytest.mark.parametrize("body, field", [
    ({"text": "x", "exercise_time_s": 121}, "exercise_time_s"),  # after the clock (120 s)
    ({"text": "x", "at": "3m"}, "at"),
    ({"text": "x", "exercise_time_s": -1}, "exercise_time_s"),
    ({"text": "x", "at": "soon"}, "at"),
    ({"text": "x", "at": "1m", "exercise_time_s": 60}, "at"),
    ({"text": "x", "exercise_time_s": "NaN"}, "exercise_time_s"),
    ({"text": "x", "team": "police"}, "team"),
    ({"text": "x", "objective": "OBJ-9"}, "objective"),
    ({"text": "x", "tag": "weakness"}, "tag"),
    ({"text": "   "}, "text"),
    ({"text": "x" * 8001}, "text"),
    ({}, "text"),
    ({"text": "x", "evaluator": "someone-else"}, "evaluator"),
    ({"text": 5}, "text"),
])
def test_bad_observations_are_refused_with_the_field(client, ttx, body, field):
    response = client.post(f"{ttx.url}/observations", json=body, headers=ttx.headers("evaluator"))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert staff_events(ttx, "observation") == []


def test_an_evaluator_edits_their_own_observation_and_the_log_keeps_what_it_replaced(client, ttx):
    obs = observe(client, ttx, team="ic", objective="OBJ-1")
    url = f"{ttx.url}/observations/{obs['id']}"
    response = client.patch(url, json={"text": "IC named after 40 s", "at": "1m", "tag": "improvement",
                                       "team": None}, headers=ttx.headers("evaluator"))
    assert response.status_code == 200, response.get_json()
    edited = response.get_json()
    assert (edited["text"], edited["exercise_time_s"], edited["tag"], edited["team"]) == (
        "IC named after 40 s", 60.0, "improvement", None)
    assert edited["objective"] == "OBJ-1" and edited["capability"] == "Operational Coordination"
    [event] = staff_events(ttx, "observation.edited")
    assert event.actor == "eva" and event.visible_to == []
    assert event.payload["previous"] == {"text": "IC named at once", "exercise_time_s": 120.0, "tag": None,
                                         "team": "ic"}
    assert event.payload["observation"]["text"] == "IC named after 40 s"

    assert client.patch(url, json={"text": "mine now"}, headers=ttx.headers("evaluator2")).status_code == 403
    assert client.patch(url, json={}, headers=ttx.headers("evaluator")).status_code == 422
    assert client.patch(url, json={"at": "5m"}, headers=ttx.headers("evaluator")).status_code == 422
    assert client.patch(url, json={"objective": "nope"}, headers=ttx.headers("evaluator")).status_code == 422
    assert client.patch(f"{ttx.url}/observations/999", json={"text": "x"},
                        headers=ttx.headers("evaluator")).status_code == 404
    other = gen_exercise(name="Other")
    assert client.patch(f"/api/v1/exercises/{other.id}/observations/{obs['id']}", json={"text": "x"},
                        headers=ttx.headers("evaluator")).status_code == 404
    # A change to nothing new logs nothing.
    assert client.patch(url, json={"tag": "improvement"}, headers=ttx.headers("evaluator")).status_code == 200
    assert len(staff_events(ttx, "observation.edited")) == 1


# -- ratings -------------------------------------------------------------------------------

def rate(client, ttx, role, rating, rationale="because", **extra):
    return client.put(f"{ttx.url}/ratings/OBJ-1", json={"rating": rating, "rationale": rationale} | extra,
                      headers=ttx.headers(role))


def test_each_evaluator_keeps_their_own_rating_and_the_lead_sets_the_consensus(client, ttx, clock):
    assert rate(client, ttx, "evaluator", "M", "Perimeter at 9 min, no 400 m").status_code == 200
    assert rate(client, ttx, "evaluator2", "S", "Late but correct").status_code == 200
    clock.advance(30)
    again = rate(client, ttx, "evaluator", "S", "On review: late but correct")  # an upsert, not a second row
    assert again.status_code == 200 and again.get_json()["rating"] == "S"

    refused = rate(client, ttx, "evaluator", "S", consensus=True)
    assert refused.status_code == 403 and "no lead evaluator" in refused.get_json()["error"]["message"]
    assert client.put(f"{ttx.url}/lead-evaluator", json={"username": "eva"},
                      headers=ttx.headers("controller")).get_json()["lead_evaluator"]["username"] == "eva"
    refused = rate(client, ttx, "evaluator2", "U", consensus=True)
    assert refused.status_code == 403
    assert "lead evaluator (eva)" in refused.get_json()["error"]["message"]
    consensus = rate(client, ttx, "evaluator", "S", "Agreed at the hot wash", consensus=True)
    assert consensus.status_code == 200 and consensus.get_json()["set_by"] == "eva"

    view = client.get(f"{ttx.url}/ratings", headers=ttx.headers("controller")).get_json()
    assert view["lead_evaluator"] == "eva"
    [objective] = view["objectives"]
    assert {k: objective[k] for k in ("id", "text", "capability")} == OBJECTIVE
    assert [(r["evaluator"], r["rating"], r["rationale"]) for r in objective["ratings"]] == [
        ("eve", "S", "Late but correct"), ("eva", "S", "On review: late but correct")]
    assert objective["ratings"][1]["updated_at"] == clock.now.isoformat()
    assert objective["consensus"] | {"updated_at": ""} == {
        "rating": "S", "rationale": "Agreed at the hot wash", "set_by": "eva", "updated_at": ""}
    definitions = view["definitions"]
    assert [d["code"] for d in definitions["ratings"]] == ["P", "S", "M", "U"]
    assert definitions["ratings"][0]["label"] == "Performed without Challenges"
    assert "HSEEP" in definitions["source"]["title"] and definitions["source"]["confidence"] == "S"
    assert "secondary source" in definitions["source"]["note"]

    # An admin may overrule; the log says who set which rating.
    assert rate(client, ttx, "admin", "M", "Director's call", consensus=True).status_code == 200
    view = client.get(f"{ttx.url}/ratings", headers=ttx.headers("evaluator")).get_json()
    assert view["objectives"][0]["consensus"]["set_by"] == "root"
    assert len(view["objectives"][0]["ratings"]) == 2  # the admin's consensus is not an evaluator rating
    events = staff_events(ttx, "rating.set", "rating.consensus", "exercise.lead_evaluator")
    assert [(e.type, e.actor) for e in events] == [
        ("rating.set", "eva"), ("rating.set", "eve"), ("rating.set", "eva"), ("exercise.lead_evaluator", "ctl"),
        ("rating.consensus", "eva"), ("rating.consensus", "root")]
    assert events[2].payload["previous"] == {"rating": "M", "rationale": "Perimeter at 9 min, no 400 m"}
    assert all(e.visible_to == [] for e in events)


def test_rating_an_unknown_objective_is_404_and_bad_ratings_name_the_field(client, ttx):
    response = client.put(f"{ttx.url}/ratings/OBJ-9", json={"rating": "P", "rationale": "x"},
                          headers=ttx.headers("evaluator"))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    for body, field in (({"rating": "X", "rationale": "x"}, "rating"), ({"rating": "p", "rationale": "x"}, "rating"),
                        ({"rating": "P"}, "rationale"), ({"rating": "P", "rationale": " "}, "rationale"),
                        ({"rating": "P", "rationale": "x", "consensus": "maybe"}, "consensus"),
                        ({"rating": "P", "rationale": "x", "score": 3}, "score")):
        response = client.put(f"{ttx.url}/ratings/OBJ-1", json=body, headers=ttx.headers("evaluator"))
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"], body
    assert staff_events(ttx, "rating.set") == []


def test_the_lead_evaluator_must_be_an_evaluator_or_admin(client, ttx):
    url = f"{ttx.url}/lead-evaluator"
    for username in ("nobody", "ctl"):
        response = client.put(url, json={"username": username}, headers=ttx.headers("controller"))
        assert response.status_code == 422 and "username" in response.get_json()["error"]["fields"]
    assert client.put(url, json={}, headers=ttx.headers("controller")).status_code == 422
    assert client.put(url, json={"username": "root"}, headers=ttx.headers("controller")).status_code == 200
    cleared = client.put(url, json={"username": None}, headers=ttx.headers("controller"))
    assert cleared.status_code == 200 and cleared.get_json() == {"lead_evaluator": None}
    assert [e.payload for e in staff_events(ttx, "exercise.lead_evaluator")] == [
        {"lead_evaluator": "root", "previous": None}, {"lead_evaluator": None, "previous": "root"}]


# -- the improvement plan ------------------------------------------------------------------

def test_an_improvement_plan_row_is_created_listed_and_updated(client, ttx):
    response = client.post(f"{ttx.url}/corrective-actions", json=PLAN_ROW, headers=ttx.headers("evaluator"))
    assert response.status_code == 201, response.get_json()
    row = response.get_json()
    assert row | {"id": 0, "updated_at": ""} == PLAN_ROW | {"id": 0, "status": "open", "updated_at": ""}
    minimal = {k: PLAN_ROW[k] for k in ("capability", "issue", "corrective_action", "capability_element",
                                        "responsible_org")}
    second = client.post(f"{ttx.url}/corrective-actions", json=minimal | {"status": "in-progress"},
                         headers=ttx.headers("controller")).get_json()
    assert second["objective"] is None and second["point_of_contact"] == "" and second["start_date"] is None
    assert second["status"] == "in-progress"

    url = f"{ttx.url}/corrective-actions/{row['id']}"
    patched = client.patch(url, json={"status": "completed", "completion_date": "2027-03-01", "objective": None},
                           headers=ttx.headers("admin"))
    assert patched.status_code == 200, patched.get_json()
    assert (patched.get_json()["status"], patched.get_json()["completion_date"],
            patched.get_json()["objective"]) == ("completed", "2027-03-01", None)
    listed = client.get(f"{ttx.url}/corrective-actions", headers=ttx.headers("evaluator2")).get_json()
    assert [r["id"] for r in listed] == [row["id"], second["id"]] and listed[0]["status"] == "completed"

    created, updated = (staff_events(ttx, "corrective_action.created"),
                        staff_events(ttx, "corrective_action.updated"))
    assert [e.actor for e in created] == ["eva", "ctl"] and created[0].payload["corrective_action"]["id"] == row["id"]
    assert updated[0].actor == "root" and updated[0].payload["previous"] == {
        "status": "open", "completion_date": "2027-03-31", "objective": "OBJ-1"}
    assert all(e.visible_to == [] for e in created + updated)


@pytest.mark.parametrize("change, field", [
    ({"capability_element": "Money"}, "capability_element"),
    ({"status": "done"}, "status"),
    ({"start_date": "15/01/2027"}, "start_date"),
    ({"completion_date": "2027-01-01"}, "completion_date"),  # before the start
    ({"objective": "OBJ-9"}, "objective"),
    ({"issue": ""}, "issue"),
    ({"responsible_org": None}, "responsible_org"),
    ({"owner": "x"}, "owner"),
])
def test_bad_improvement_plan_rows_are_refused_with_the_field(client, ttx, change, field):
    response = client.post(f"{ttx.url}/corrective-actions", json=PLAN_ROW | change,
                           headers=ttx.headers("evaluator"))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_a_plan_row_needs_its_hseep_columns_and_patches_keep_the_dates_in_order(client, ttx):
    response = client.post(f"{ttx.url}/corrective-actions", json={}, headers=ttx.headers("evaluator"))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {
        "capability", "issue", "corrective_action", "capability_element", "responsible_org"}
    row = client.post(f"{ttx.url}/corrective-actions", json=PLAN_ROW, headers=ttx.headers("evaluator"))
    url = f"{ttx.url}/corrective-actions/{row.get_json()['id']}"
    # Only the start changes, and it would land after the stored completion date.
    response = client.patch(url, json={"start_date": "2027-04-01"}, headers=ttx.headers("evaluator"))
    assert response.status_code == 422 and "start_date" in response.get_json()["error"]["fields"]
    assert client.patch(url, json={}, headers=ttx.headers("evaluator")).status_code == 422
    assert client.patch(f"{ttx.url}/corrective-actions/999", json={"status": "open"},
                        headers=ttx.headers("evaluator")).status_code == 404
    other = gen_exercise(name="Other")
    assert client.patch(f"/api/v1/exercises/{other.id}/corrective-actions/{row.get_json()['id']}",
                        json={"status": "open"}, headers=ttx.headers("evaluator")).status_code == 404
    assert staff_events(ttx, "corrective_action.updated") == []


# -- participant feedback ------------------------------------------------------------------

FORM = {"role": "Engine 1 officer", "ratings": {"objectives_clear": 4, "tablet_easy": 5, "injects_timely": 3},
        "strengths": "Clear radio injects", "improvements": "Cordon card", "comments": "More time for the hot wash"}


def test_feedback_opens_at_the_end_once_per_participant_and_staff_see_the_averages(client, ttx, library_app):
    url = f"{ttx.url}/feedback"
    early = client.post(url, json=FORM, headers=ttx.headers("participant"))
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "conflict"
    ems = gen_tablet(db.session.get(Exercise, ttx.id), "ems", "Kim")
    end(ttx)

    first = client.post(url, json=FORM, headers=ttx.headers("participant"))
    assert first.status_code == 201, first.get_json()
    assert first.get_json() | {"id": 0, "submitted_at": ""} == FORM | {
        "id": 0, "submitted_at": "", "team": "fire", "participant": "Sam"}
    again = client.post(url, json={"comments": "one more thing"}, headers=ttx.headers("participant"))
    assert again.status_code == 409
    second = client.post(url, json={"ratings": {"tablet_easy": 2, "sop_useful": 4}}, headers=bearer(ems.token))
    assert second.status_code == 201 and second.get_json()["strengths"] == ""

    summary = client.get(url, headers=ttx.headers("evaluator")).get_json()
    assert summary["responses"] == 2 and [f["participant"] for f in summary["forms"]] == ["Sam", "Kim"]
    averages = {q["key"]: (q["average"], q["answered"]) for q in summary["questions"]}
    assert averages["tablet_easy"] == (3.5, 2) and averages["objectives_clear"] == (4.0, 1)
    assert averages["scenario_realistic"] == (None, 0)
    assert {"objectives_clear", "scenario_realistic", "injects_timely", "sop_useful", "tablet_easy"} <= set(averages)
    assert all(q["text"] for q in summary["questions"]) and summary["scale"]["5"] == "strongly agree"

    [event, _] = staff_events(ttx, "feedback.submitted")
    assert event.actor == "Sam" and event.team == "fire" and event.visible_to == []
    assert event.payload["feedback"]["ratings"] == FORM["ratings"]


def test_a_participant_of_another_exercise_cannot_send_feedback_here(client, ttx):
    other = gen_exercise(name="Other")
    stranger = gen_tablet(other, "ems", "Lou")
    end(ttx)
    response = client.post(f"{ttx.url}/feedback", json=FORM, headers=bearer(stranger.token))
    assert response.status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"ratings": {"tablet_easy": 6}}, "ratings.tablet_easy"),
    ({"ratings": {"tablet_easy": 0}}, "ratings.tablet_easy"),
    ({"ratings": {"tablet_easy": "5"}}, "ratings.tablet_easy"),
    ({"ratings": {"tablet_easy": 4.5}}, "ratings.tablet_easy"),
    ({"ratings": {"tablet_easy": True}}, "ratings.tablet_easy"),
    ({"ratings": {"coffee_good": 5}}, "ratings.coffee_good"),
    ({"ratings": [5]}, "ratings"),
    ({"comments": "x" * 8001}, "comments"),
    ({"role": 7, "comments": "ok"}, "role"),
    ({"name": "Sam", "comments": "ok"}, "name"),
    ({}, "_schema"),
    ({"ratings": {}, "comments": "  "}, "_schema"),
])
def test_bad_feedback_forms_are_refused_with_the_field(client, ttx, body, field):
    end(ttx)
    response = client.post(f"{ttx.url}/feedback", json=body, headers=ttx.headers("participant"))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


# -- the log and bad input -----------------------------------------------------------------

def test_evaluator_data_is_logged_for_staff_only(client, ttx):
    observe(client, ttx, team="fire")
    rate(client, ttx, "evaluator", "P")
    client.post(f"{ttx.url}/corrective-actions", json=PLAN_ROW, headers=ttx.headers("evaluator"))
    end(ttx)
    client.post(f"{ttx.url}/feedback", json=FORM, headers=ttx.headers("participant"))
    types = {"observation", "rating.set", "corrective_action.created", "feedback.submitted"}
    logged = staff_events(ttx, *types)
    assert {e.type for e in logged} == types and all(e.visible_to == [] for e in logged)
    # The fire team's catch-up never carries them, even the observation about fire and its own form.
    seen_by_fire = {e["type"] for e in events_since(ttx.id, 0, team_key="fire")}
    assert not seen_by_fire & types
    assert client.get(f"{ttx.url}/events", headers=ttx.headers("participant")).status_code == 403


JUNK = [None, [], "text", 42, {"text": None}, {"text": ["a"]}, {"rating": {"P": 1}, "rationale": []},
        {"start_date": 20270101}, {"ratings": {"tablet_easy": None}}, {"username": 12}, {"at": []},
        {"exercise_time_s": 1e308}, {"text": "x", "exercise_time_s": True}]


@pytest.mark.parametrize("method, path", [
    ("POST", "/observations"), ("PATCH", "/observations/{obs}"), ("PUT", "/ratings/OBJ-1"),
    ("PUT", "/lead-evaluator"), ("POST", "/corrective-actions"), ("PATCH", "/corrective-actions/{row}"),
    ("POST", "/feedback")])
def test_junk_never_causes_a_server_error(client, ttx, method, path):
    obs = observe(client, ttx)["id"]
    row = client.post(f"{ttx.url}/corrective-actions", json=PLAN_ROW, headers=ttx.headers("evaluator"))
    end(ttx)
    role = "participant" if path == "/feedback" else "admin" if "lead" in path else "evaluator"
    url = ttx.url + path.format(obs=obs, row=row.get_json()["id"])
    for junk in JUNK:
        response = client.open(url, method=method, json=junk, headers=ttx.headers(role))
        assert response.status_code in (400, 422), (junk, response.get_json())
        assert "error" in response.get_json()
    response = client.open(url, method=method, data="{not json", headers=ttx.headers(role) | {
        "Content-Type": "application/json"})
    assert response.status_code in (400, 422) and "error" in response.get_json()


# -- restart -------------------------------------------------------------------------------

def test_everything_survives_a_restart_and_the_audit_chain_still_verifies(client, ttx, library_app):
    observe(client, ttx, team="ic", objective="OBJ-1", tag="strength")
    client.put(f"{ttx.url}/lead-evaluator", json={"username": "eva"}, headers=ttx.headers("controller"))
    rate(client, ttx, "evaluator", "S", "Late perimeter")
    rate(client, ttx, "evaluator", "S", "Agreed", consensus=True)
    client.post(f"{ttx.url}/corrective-actions", json=PLAN_ROW, headers=ttx.headers("evaluator"))
    end(ttx)
    client.post(f"{ttx.url}/feedback", json=FORM, headers=ttx.headers("participant"))
    reads = ("/observations", "/ratings", "/corrective-actions", "/feedback")
    before = {path: client.get(ttx.url + path, headers=ttx.headers("admin")).get_json() for path in reads}
    db.session.remove()

    restarted = create_app({**TEST_SETTINGS, "CORDON_CONTENT_ROOT": library_app.config["CORDON_CONTENT_ROOT"],
                            "SQLALCHEMY_DATABASE_URI": library_app.config["SQLALCHEMY_DATABASE_URI"]})
    with restarted.app_context():
        try:
            fresh = restarted.test_client()
            after = {path: fresh.get(ttx.url + path, headers=ttx.headers("admin")).get_json() for path in reads}
            audit = verify_exercise(ttx.id)
            logged = {e.type for e in db.session.scalars(select(Event).where(Event.exercise_id == ttx.id))}
        finally:
            db.session.remove()
            db.engine.dispose()
    assert after == before
    assert after["/ratings"]["objectives"][0]["consensus"]["rating"] == "S"
    assert len(after["/observations"]) == 1 and after["/feedback"]["responses"] == 1
    assert audit["ok"] is True and audit["first_broken_seq"] is None
    assert {"observation", "exercise.lead_evaluator", "rating.set", "rating.consensus",
            "corrective_action.created", "feedback.submitted"} <= logged
