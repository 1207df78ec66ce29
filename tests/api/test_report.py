"""The after-action report through the API: a drill is played, evaluated and reported.

The mini drill, minute by minute: I-01 (all) at 1m asks incident command to assume command
(IC-01, due 6m), which it never does (a missed critical step); I-02 asks it for the perimeter
(IC-02, due 12m), done at 13m, late and out of order (IC-01 was never done), after the
contingency C-01 fired on its own at 12m. An ad-hoc inject at 3m20s asks fire for a headcount
within 200 s (FB-01 due 6m40s, earlier than I-03's 8m); fire does it at 8m20s, late, after the
controller dismissed the reserve R-01 the checklist had proposed. EMS triages on time; fire does
the joint survey for both. Two evaluators observe and rate, the lead sets the consensus, the
improvement plan gets a row, two participants send feedback.
"""
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.models import Event, Exercise, ExerciseInject, Participant
from app.services import evaluation, lifecycle
from app.services.compliance import compute
from app.services.injects import dismiss_prompt
from app.services.releasing import add_adhoc_inject
from app.services.participation import acknowledge_inject, log_action
from app.services.scheduler import run_once

from ..helpers import PASSWORD, bearer, gen_exercise, gen_tablet, gen_user, token_for

SCRIPT_IN_OBSERVATION = "<script>alert('observation')</script> Perimeter set 13 minutes in"
SCRIPT_IN_INJECT = "Count again. <script>alert('inject')</script> **Now.**"


@dataclass
class Played:
    id: int
    url: str
    auth: dict
    users: dict
    tablets: dict


@pytest.fixture
def played(library_app, clock):
    """The mini drill played to the end, evaluated, with feedback."""
    users = {"admin": gen_user("root", "admin"), "controller": gen_user("ctl", "controller"),
             "evaluator": gen_user("eva", "evaluator"), "evaluator2": gen_user("eve", "evaluator")}
    exercise = gen_exercise(name="Market <b>drill</b>", creator=users["controller"])
    # The fixture has one contingency (C-01, auto, on IC-02); R-01 becomes a second one that is
    # only proposed to the controller, when fire's headcount goes overdue.
    reserve = db.session.scalar(select(ExerciseInject).where(ExerciseInject.exercise_id == exercise.id,
                                                             ExerciseInject.key == "R-01"))
    reserve.when_overdue = {"step": "FB-01", "mode": "prompt"}
    db.session.commit()
    tablets = {"ic": gen_tablet(exercise, "ic", "Ian"), "fire": gen_tablet(exercise, "fire", "Fay"),
               "ems": gen_tablet(exercise, "ems", "Emil")}
    start = clock.now

    def at(seconds):
        clock.now = start + timedelta(seconds=seconds)
        run_once(library_app)

    def person(team):
        return db.session.get(Participant, tablets[team].participant_id)

    def act(team, seconds, client_id, step=None, text=""):
        at(seconds)
        log_action(person(team), client_id, step, text or f"did {step}")
        db.session.commit()

    def ack(team, seconds, inject):
        at(seconds)
        acknowledge_inject(person(team), inject)
        db.session.commit()

    lifecycle.start_exercise(exercise.id, "ctl")
    db.session.commit()
    at(60)
    ack("ic", 80, "I-01")
    ack("fire", 95, "I-01")
    at(120)
    at(180)
    at(200)
    add_adhoc_inject(exercise.id, {"title": "Headcount <now>", "body": SCRIPT_IN_INJECT, "to": ["fire"],
                                   "expects": [{"step": "FB-01", "within_s": 200}]}, "ctl")
    db.session.commit()
    ack("fire", 210, "I-03")
    at(240)
    ack("ems", 270, "I-04")
    act("ems", 300, "ems-triage-1", "EMS-01", "Triage at the market")
    act("fire", 330, "fire-note-01", None, "Crews staged upwind")
    at(400)  # FB-01 overdue: R-01 proposed
    dismiss_prompt(exercise.id, "R-01", "ctl")
    db.session.commit()
    act("fire", 500, "fire-head-01", "FB-01", "All crews accounted for")
    act("fire", 600, "fire-surv-01", "J-01", "Survey with EMS")
    at(720)  # IC-02 overdue: C-01 fires
    act("ic", 780, "ic-perim-001", "IC-02", "Perimeter at 400 m")

    at(790)
    eva, eve = users["evaluator"], users["evaluator2"]
    evaluation.record_observation(exercise.id, {"text": "IC assumed command by radio at once", "team": "ic",
                                                "objective": "OBJ-1", "tag": "strength"}, eva)
    evaluation.record_observation(exercise.id, {"text": SCRIPT_IN_OBSERVATION, "team": "ic",
                                                "objective": "OBJ-1", "tag": "improvement"}, eve)
    evaluation.record_observation(exercise.id, {"text": "Press briefing clear and early",
                                                "capability": "Public Information and Warning",
                                                "tag": "strength"}, eva)
    evaluation.record_observation(exercise.id, {"text": "Radio traffic heavy at 5m", "objective": "OBJ-1"}, eva)
    evaluation.record_observation(exercise.id, {"text": "Coffee ran out"}, eve)
    evaluation.set_lead_evaluator(exercise.id, "eva", users["controller"])
    evaluation.set_rating(exercise.id, "OBJ-1", {"rating": "S", "rationale": "Set, but late"}, eva)
    evaluation.set_rating(exercise.id, "OBJ-1", {"rating": "M", "rationale": "Thirteen minutes is too long"}, eve)
    evaluation.set_rating(exercise.id, "OBJ-1", {"rating": "M", "rationale": "Agreed at the hot wash",
                                                 "consensus": True}, eva)
    row = evaluation.add_corrective_action(exercise.id, {
        "objective": "OBJ-1", "capability": "Operational Coordination",
        "issue": "The perimeter was set 11 minutes after the alarm.",
        "corrective_action": "Put the 400 m cordon on the first-engine card.", "capability_element": "Planning",
        "responsible_org": "City Fire Department", "point_of_contact": "Deputy Chief Ruiz"}, eva)
    db.session.commit()
    evaluation.update_corrective_action(exercise.id, row.id, {"status": "in-progress"}, eve)
    db.session.commit()
    at(840)
    lifecycle.end_exercise(exercise.id, "ctl")
    db.session.commit()
    evaluation.submit_feedback(person("fire"), {"role": "crew lead", "ratings": {"tablet_easy": 5, "injects_timely": 3},
                                                "strengths": "Clear injects", "improvements": "", "comments": ""})
    evaluation.submit_feedback(person("ems"), {"role": "", "ratings": {"tablet_easy": 4},
                                               "strengths": "", "improvements": "More casualties",
                                               "comments": ""})
    db.session.commit()
    auth = {role: bearer(token_for(user)) for role, user in users.items()}
    auth |= {"anonymous": {}, "participant": bearer(tablets["fire"].token)}
    return Played(exercise.id, f"/api/v1/exercises/{exercise.id}", auth, users, tablets)


def get_json(client, played, role="evaluator"):
    response = client.get(f"{played.url}/report.json", headers=played.auth[role])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def team_of(report, key):
    return next(t for t in report["compliance"]["teams"] if t["key"] == key)


def step_of(report, team, step):
    return next(s for s in team_of(report, team)["steps"] if s["step"] == step)


# -- the numbers -----------------------------------------------------------------------------------

def test_the_json_report_replays_the_same_compliance_as_the_live_engine(client, played):
    report = get_json(client, played)
    live = compute(db.session.get(Exercise, played.id))
    assert report["compliance"]["ended"] is True and live.ended is True
    assert report["compliance"]["now_s"] == pytest.approx(live.now_s)
    for team in live.teams:
        replayed = team_of(report, team.key)
        assert replayed["score"] == pytest.approx(team.score)
        assert [s["step"] for s in replayed["steps"]] == [s.step for s in team.steps]
        for mine, theirs in zip(replayed["steps"], team.steps):
            assert mine["status"] == theirs.status.value, (team.key, mine["step"])
            assert mine["out_of_order"] == theirs.out_of_order
            assert mine["done_by"] == theirs.done_by
            assert mine["due_at_s"] == pytest.approx(theirs.due_at_s, abs=1e-3)
            assert (mine["done_at_s"] is None) == (theirs.done_at_s is None)
            if theirs.done_at_s is not None:
                assert mine["done_at_s"] == pytest.approx(theirs.done_at_s, abs=1e-3)
    for agency in live.agencies:
        assert next(a for a in report["compliance"]["agencies"] if a["agency"] == agency.agency)["score"] == \
            pytest.approx(agency.score)


def test_the_report_says_what_happened_in_the_drill(client, played):
    report = get_json(client, played)
    # A missed critical step, a late and out-of-order one, a late one made due by an ad-hoc inject.
    assert step_of(report, "ic", "IC-01")["status"] == "missed" and step_of(report, "ic", "IC-01")["critical"]
    perimeter = step_of(report, "ic", "IC-02")
    assert (perimeter["status"], perimeter["out_of_order"], perimeter["delay_s"]) == ("late", True, pytest.approx(60))
    headcount = step_of(report, "fire", "FB-01")
    assert headcount["due_at_s"] == pytest.approx(400) and headcount["status"] == "late"
    assert headcount["delay_s"] == pytest.approx(100)
    survey = step_of(report, "ems", "J-01")
    assert (survey["status"], survey["done_by"]) == ("done", "fire")
    assert team_of(report, "ems")["score"] == 1.0
    assert team_of(report, "ic")["score"] == pytest.approx((3 * 0 + 3 * 0.25) / 6)

    # Response times: release -> first acknowledgement -> first expected step done, per team and inject.
    rows = {(r["inject"], r["team"]): r for r in report["response_times"]["injects"]}
    assert rows[("I-03", "fire")]["ack_delay_s"] == pytest.approx(30)
    assert rows[("I-03", "fire")]["action_delay_s"] == pytest.approx(320)
    assert rows[("X-01", "fire")]["expects"] == ["FB-01"]
    assert rows[("I-01", "fire")]["expects"] == []  # IC-01 is not fire's step
    assert rows[("I-02", "ic")]["ack_at_s"] is None
    fire = next(t for t in report["response_times"]["teams"] if t["team"] == "fire")
    assert fire["acknowledgement"] == {"count": 2, "median_s": pytest.approx(32.5), "worst_s": pytest.approx(35),
                                       "best_s": pytest.approx(30)}
    assert fire["first_action"]["worst_s"] == pytest.approx(320)

    # Contingencies: C-01 fired on its own, R-01 was proposed and dismissed.
    fired = report["contingencies"]["fired"]
    assert [(c["inject"], c["mode"], c["released_by"]) for c in fired] == [("C-01", "auto", "contingency")]
    assert fired[0]["released_at_s"] == pytest.approx(720)
    assert [(p["inject"], p["team"], p["step"], p["outcome"], p["decided_by"])
            for p in report["contingencies"]["prompts"]] == [("R-01", "fire", "FB-01", "dismissed", "ctl")]

    # Evaluation: every evaluator's rating, the consensus, observations by objective.
    (objective,) = report["analysis"]["objectives"]
    assert {(r["evaluator"], r["rating"]) for r in objective["ratings"]} == {("eva", "S"), ("eve", "M")}
    assert objective["consensus"]["rating"] == "M" and objective["consensus"]["set_by"] == "eva"
    assert [o["text"] for o in objective["strengths"]] == ["IC assumed command by radio at once"]
    assert [o["text"] for o in objective["improvements"]] == [SCRIPT_IN_OBSERVATION]
    assert [o["text"] for o in objective["other_observations"]] == ["Radio traffic heavy at 5m"]
    assert report["analysis"]["rating_definitions"]["source"]["confidence"] == "S"
    loose = [g for g in report["strengths_and_improvements"] if g["objective"] is None]
    assert loose[0]["capability"] == "Public Information and Warning"
    assert [o["text"] for o in report["analysis"]["unassigned_observations"]] == ["Coffee ran out"]
    assert len(report["observations"]) == 5

    # The improvement plan holds each row's latest state; feedback is summarized.
    (plan_row,) = report["improvement_plan"]
    assert (plan_row["status"], plan_row["created_by"], plan_row["updated_by"]) == ("in-progress", "eva", "eve")
    feedback = report["feedback"]
    assert feedback["responses"] == 2 and feedback["by_team"] == {"fire": 1, "ems": 1}
    tablet = next(q for q in feedback["questions"] if q["key"] == "tablet_easy")
    assert (tablet["answered"], tablet["average"]) == (2, 4.5)

    # Overview and appendix.
    overview = report["overview"]
    assert overview["name"] == "Market <b>drill</b>" and overview["scenario"]["id"] == "mini-drill"
    assert overview["duration_s"] == pytest.approx(840)
    assert {s["name"] for s in overview["staff"]} == {"ctl", "eva", "eve"}
    assert report["participants"][1]["people"] == ["Fay"]
    exercise = db.session.get(Exercise, played.id)
    assert report["event_log"]["last_seq"] == exercise.last_seq == report["event_log"]["events"]
    assert report["event_log"]["last_hash"] == exercise.last_hash
    assert report["audit"] | {"ok": True, "events": exercise.last_seq, "first_broken_seq": None, "reason": None,
                              "last_hash": exercise.last_hash, "problems": []} == report["audit"]
    assert report["audit"]["signed_head"]["seq"] == exercise.last_seq
    assert report["draft"] is False


def test_a_tampered_log_is_reported_not_hidden(client, played):
    event = db.session.scalar(select(Event).where(Event.exercise_id == played.id, Event.type == "action.logged"))
    event.payload = {**event.payload, "action": {**event.payload["action"], "text": "rewritten"}}
    db.session.commit()
    report = get_json(client, played)
    assert report["audit"]["ok"] is False and report["audit"]["first_broken_seq"] == event.seq
    assert report["event_log"]["events"] == db.session.get(Exercise, played.id).last_seq  # read to the end


# -- the PDF and the page --------------------------------------------------------------------------

def pdf_text(content: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return reader, [page.extract_text() for page in reader.pages]


def test_the_pdf_has_every_section_every_team_the_ratings_and_the_plan(client, played):
    response = client.get(f"{played.url}/report.pdf", headers=played.auth["controller"])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="cordon-aar-{played.id}-market-b-drill-b.pdf"'
    reader, pages = pdf_text(response.data)
    text = "\n".join(pages)
    flat = re.sub(r"\s+", " ", text)
    assert len(pages) >= 8  # cover + chapters that each start a page
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    assert f"Page 2 of {len(pages)}" in flat
    for heading in ("Executive summary", "1. Exercise overview", "2. Analysis of core capabilities", "3. SOP compliance",
                    "4. Timeline and response times", "5. Participant feedback", "6. Conclusion",
                    "Appendix A: Improvement plan", "Appendix B: Participants", "Appendix C: Event log and audit"):
        assert heading in flat, heading
    # Overview.
    assert "Mini drill for tests" in flat and "Operational Coordination" in flat
    # Every team's compliance table, with its steps.
    for name, steps in (("Incident Command", ("IC-01", "IC-02")), ("Fire", ("FB-01", "J-01")),
                        ("EMS", ("EMS-01", "J-01"))):
        assert re.search(rf"{name} \(\w+\): \d+ %", flat), name
        for step in steps:
            assert step in flat
    assert "missed" in flat and "out of order" in flat and "done late" in flat
    # The ratings, with the consensus and both evaluators' rationales.
    assert "Agreed at the hot wash" in flat and "Thirteen minutes is too long" in flat
    assert "Performed with Major Challenges" in flat
    # The improvement plan.
    assert "Put the 400 m cordon on the first-" in flat and "Deputy Chief Ruiz" in flat
    assert "in-progress" in text.replace("\n", "")
    # Contingencies and the audit.
    assert "Resident inside the zone" in flat and "dismissed" in flat
    assert "Intact: all" in flat
    # The improvement plan is printed on a landscape page.
    plan_page = next(i for i, page in enumerate(pages) if "Deputy Chief Ruiz" in page)
    assert reader.pages[plan_page].mediabox.width > reader.pages[plan_page].mediabox.height


def test_the_html_report_escapes_what_people_typed(client, played):
    response = client.get(f"{played.url}/report.html", headers=played.auth["evaluator"])
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script" not in html  # not from the observation, the inject, nor the page itself (read-only)
    assert "&lt;script&gt;alert(&#39;observation&#39;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert('inject')&lt;/script&gt;" in html  # Markdown with raw HTML off
    assert "<strong>Now.</strong>" in html  # the inject body's Markdown is rendered
    assert "Market &lt;b&gt;drill&lt;/b&gt;" in html and "Headcount &lt;now&gt;" in html
    assert html.count("<svg") == 3  # timeline, scores, response times


# -- narrative sections ----------------------------------------------------------------------------

def test_evaluators_write_narrative_sections_which_are_logged_for_staff_only(client, played):
    url = f"{played.url}/report/narrative/executive_summary"
    first = client.put(url, json={"text": "A first draft."}, headers=played.auth["evaluator"])
    assert first.status_code == 200, first.get_json()
    second = client.put(url, json={"text": "The perimeter was **late**. <script>x</script>"},
                        headers=played.auth["controller"])
    body = second.get_json()
    assert (body["section"], body["by"]) == ("executive_summary", "ctl")
    assert "<strong>late</strong>" in body["html"] and "<script>" not in body["html"]
    objective = client.put(f"{played.url}/report/narrative/objective:OBJ-1", json={"text": "Set, late."},
                           headers=played.auth["admin"])
    assert objective.status_code == 200

    events = db.session.scalars(select(Event).where(Event.exercise_id == played.id,
                                                    Event.type == "report.narrative").order_by(Event.seq)).all()
    assert [(e.payload["section"], e.actor, e.visible_to) for e in events] == [
        ("executive_summary", "eva", []), ("executive_summary", "ctl", []), ("objective:OBJ-1", "root", [])]
    assert events[1].payload["previous"] == "A first draft."

    report = get_json(client, played)
    assert report["narrative"]["executive_summary"]["text"].startswith("The perimeter was **late**.")
    assert report["analysis"]["objectives"][0]["narrative"]["text"] == "Set, late."
    html = client.get(f"{played.url}/report.html", headers=played.auth["evaluator"]).get_data(as_text=True)
    assert "The perimeter was <strong>late</strong>. &lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize("role, body, status", [
    ("anonymous", {"text": "x"}, 401),
    ("participant", {"text": "x"}, 403),
    ("evaluator", {}, 422),
    ("evaluator", {"text": "x" * 20001}, 422),
    ("evaluator", {"text": "x", "extra": 1}, 422),
])
def test_narrative_refusals(client, played, role, body, status):
    response = client.put(f"{played.url}/report/narrative/conclusion", json=body, headers=played.auth[role])
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"]


def test_an_unknown_section_or_exercise_is_a_404(client, played):
    for path in ("/report/narrative/appendix", "/report/narrative/objective:OBJ-9"):
        response = client.put(played.url + path, json={"text": "x"}, headers=played.auth["evaluator"])
        assert response.status_code == 404, path
    for suffix in ("json", "html", "pdf"):
        assert client.get(f"/api/v1/exercises/999/report.{suffix}", headers=played.auth["admin"]).status_code == 404


@pytest.mark.parametrize("suffix", ["json", "html", "pdf"])
@pytest.mark.parametrize("role, status", [("anonymous", 401), ("participant", 403)])
def test_only_staff_read_the_report(client, played, suffix, role, status):
    response = client.get(f"{played.url}/report.{suffix}", headers=played.auth[role])
    assert response.status_code == status
    assert response.get_json()["error"]["code"] in ("unauthorized", "forbidden")


# -- the staff page --------------------------------------------------------------------------------

def sign_in(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_the_report_page_lets_an_evaluator_edit_the_narrative_with_the_session(client, played):
    assert client.get(f"/exercises/{played.id}/report").status_code == 302  # to the sign-in page
    sign_in(client, "eva")
    page = client.get(f"/exercises/{played.id}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="btn btn-small edit-narrative screen-only"') == 3  # summary, OBJ-1, conclusion
    assert 'src="/static/js/report.js?v=' in html and "alert(&#39;observation&#39;)" in html
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    url = f"{played.url}/report/narrative/conclusion"
    assert client.put(url, json={"text": "Done."}).status_code == 400  # a session needs the CSRF token
    saved = client.put(url, json={"text": "Done."}, headers={"X-CSRFToken": csrf})
    assert saved.status_code == 200, saved.get_json()
    assert client.get(f"/exercises/999/report").status_code == 404
