"""The after-action report from a synthetic event log: no app, no database.

The drill: two fire crews, police and EMS. I-01 goes to everyone at 1m and asks fire and police
to notify (due 6m); I-02 asks fire-1 for the joint cordon (due 12m); I-03 asks EMS to triage,
edited before release from 2 to 10 minutes; an ad-hoc inject asks fire-2 to monitor within a
minute. Contingencies fire, evaluators observe, rate and plan, participants give feedback.
"""
import ast
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import app.engine.aar as aar_module
from app.engine.aar import build_aar, narrative_sections
from app.engine.eventlog import GENESIS, event_hash

START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
EXERCISE_ID = 7

CHECKLIST = {
    "id": "sop-x", "title": "Test checklist", "version": 2, "hash": "c" * 64,
    "agencies": [{"key": "fire", "name": "Fire service"}, {"key": "police", "name": "Police"},
                 {"key": "ems", "name": "EMS"}],
    "steps": [
        {"id": "NOTIFY", "text": "Notify the EOC", "agencies": ["fire", "police"], "mode": "each", "critical": True,
         "after": [], "phase": "arrival"},
        {"id": "CORDON", "text": "Set the cordon", "agencies": ["fire", "police"], "mode": "any", "critical": False,
         "after": ["NOTIFY"], "phase": "protect"},
        {"id": "MONITOR", "text": "Monitor dose", "agencies": ["fire"], "mode": "each", "critical": False,
         "after": ["NOTIFY"], "phase": "protect"},
        {"id": "TRIAGE", "text": "Triage", "agencies": ["ems"], "mode": "each", "critical": False, "after": [],
         "phase": "arrival"},
    ],
}
SCENARIO = {
    "id": "scn-x", "title": "Test scenario", "version": 3, "hash": "s" * 64, "summary": "A test.",
    "hazard": "Cs-137 source", "duration_s": 3600.0,
    "objectives": [{"id": "OBJ-1", "text": "Cordon in 10 minutes", "capability": "On-scene Security"},
                   {"id": "OBJ-2", "text": "Treat casualties", "capability": "Public Health"}],
    "injects": [
        {"id": "I-01", "at_s": 60.0, "to": "all", "title": "Explosion", "expects": [{"step": "NOTIFY", "within_s": 300.0}]},
        {"id": "I-02", "at_s": 120.0, "to": ["fire-1"], "title": "Alarm", "objective": "OBJ-1",
         "expects": [{"step": "CORDON", "within_s": 600.0}]},
        {"id": "I-03", "at_s": 180.0, "to": ["ems"], "title": "Casualties", "objective": "OBJ-2",
         "expects": [{"step": "TRIAGE", "within_s": 120.0}]},
        {"id": "C-01", "at_s": None, "to": ["fire-1"], "title": "Resident calls", "type": "contingency",
         "when_overdue": {"step": "MONITOR", "mode": "auto"}, "expects": []},
        {"id": "C-02", "at_s": None, "to": ["police"], "title": "Crowd", "type": "contingency",
         "when_overdue": {"step": "CORDON", "mode": "prompt"}, "expects": []},
        {"id": "C-03", "at_s": None, "to": ["ems"], "title": "Hospital full", "type": "contingency",
         "when_overdue": {"step": "TRIAGE", "mode": "prompt"}, "expects": []},
        {"id": "R-01", "at_s": None, "to": "all", "title": "Reserve", "expects": []},
        {"id": "I-09", "at_s": 3000.0, "to": "all", "title": "Never reached", "expects": []},
    ],
}
TEAMS = [{"key": "fire-1", "name": "Engine 1", "agency": "fire"}, {"key": "fire-2", "name": "Engine 2", "agency": "fire"},
         {"key": "police", "name": "Police", "agency": "police"}, {"key": "ems", "name": "EMS", "agency": "ems"}]
ALL = [t["key"] for t in TEAMS]


class Log:
    """Events as the service layer writes them: seq, hash chain, wall time from exercise time."""

    def __init__(self):
        self.events: list[dict] = []
        self.prev = GENESIS

    def add(self, type, payload, *, at, actor="ctl", team=None, visible_to=None):
        record = {"exercise_id": EXERCISE_ID, "seq": len(self.events) + 1, "type": type, "actor": actor,
                  "team": team, "visible_to": visible_to, "exercise_time_s": float(at),
                  "wall_time": (START + timedelta(seconds=at)).isoformat(), "payload": payload}
        digest = event_hash(self.prev, record)
        self.events.append({**record, "prev_hash": self.prev, "hash": digest})
        self.prev = digest
        return self

    def release(self, inject_id, at, teams=None, by="scheduler", **extra):
        visible = None if teams is None else list(teams)
        return self.add("inject.released", {"id": inject_id, "title": extra.pop("title", inject_id),
                                            "body": extra.pop("body", ""), "to": "all" if teams is None else visible,
                                            "released_at_s": at, **extra},
                        at=at, actor=by, visible_to=visible)

    def ack(self, inject_id, team, at, who="Sam"):
        return self.add("inject.acknowledged", {"inject_id": inject_id, "team": team, "by": who}, at=at, actor=who,
                        team=team, visible_to=[team])

    def act(self, team, step, at, who="Sam", text="done"):
        return self.add("action.logged", {"action": {"step": step, "team": team, "text": text, "by": who,
                                                     "exercise_time_s": at}},
                        at=at, actor=who, team=team, visible_to=[team])


def info(**overrides):
    return {"id": EXERCISE_ID, "name": "Harbour drill", "status": "ended", "scenario": SCENARIO,
            "checklist": CHECKLIST, "generated_at": "2026-11-25T12:00:00+00:00",
            "rating_definitions": {"source": {"confidence": "S"}, "ratings": [{"code": "P", "label": "Performed"}]},
            "feedback_questions": {"tablet_easy": "The tablet was easy to use.", "injects_timely": "Injects on time."}
            } | overrides


def played(end=True) -> Log:
    log = Log()
    log.add("exercise.created", {"name": "Harbour drill", "teams": TEAMS,
                                 "scenario": {"id": "scn-x", "title": "Test scenario", "version": "3", "hash": "s" * 64},
                                 "checklist": {"id": "sop-x", "version": "2", "hash": "c" * 64}},
            at=0, visible_to=[])
    for team, name in (("fire-1", "Ana"), ("fire-1", "Ben"), ("police", "Pat"), ("ems", "Eli"), ("fire-1", "Ana")):
        log.add("participant.joined", {"participant": {"name": name}, "team": team}, at=0, actor=name, team=team,
                visible_to=[team])
    log.add("exercise.started", {}, at=0)
    # I-03 is edited before release: triage within 10 minutes, not 2.
    log.add("inject.edited", {"inject": {"id": "I-03", "expects": [{"step": "TRIAGE", "within_s": 600.0}],
                                         "objective": "OBJ-2"}, "fields": ["expects"]}, at=30, visible_to=[])
    log.act("fire-2", "MONITOR", 50)  # proactive: before anything asked for it
    log.release("I-01", 60)
    log.ack("I-01", "fire-1", 70).ack("I-01", "fire-1", 75, who="Ben").ack("I-01", "police", 100)
    log.release("I-02", 120, ["fire-1"], title="Alarm", body="<script>alert(1)</script>")
    log.act("fire-1", "NOTIFY", 150)
    log.release("I-03", 180, ["ems"])
    log.add("inject.added", {"inject": {"id": "X-01", "title": "Check dose", "adhoc": True,
                                        "expects": [{"step": "MONITOR", "within_s": 60.0}]}}, at=200, visible_to=[])
    log.release("X-01", 200, ["fire-2"], by="ctl")
    log.act("police", "CORDON", 240, who="Pat")  # joint step: counts for fire-1 and fire-2 too; before NOTIFY
    log.act("fire-1", "MONITOR", 250)  # fire-1 was never asked: no response time from it
    log.add("step.waived", {"team": "police", "step": "NOTIFY", "reason": "Notified by dispatch"}, at=260,
            actor="eva", team="police", visible_to=["police"])
    log.act("ems", "TRIAGE", 900, who="Eli")  # due 780: late
    log.act("ems", "TRIAGE", 950, who="Eli")  # the first completion counts
    log.add("contingency.prompt", {"inject_id": "C-02", "title": "Crowd", "team": "police", "step": "CORDON"}, at=700,
            actor="compliance", visible_to=[])
    log.release("C-02", 710, ["police"], by="ctl")
    log.add("contingency.prompt", {"inject_id": "C-03", "title": "Hospital full", "team": "ems", "step": "TRIAGE"},
            at=790, actor="compliance", visible_to=[])
    log.add("contingency.dismissed", {"inject": {"id": "C-03"}}, at=800, visible_to=[])
    log.release("C-01", 820, ["fire-1"], by="contingency")
    log.add("inject.skipped", {"inject": {"id": "R-01"}}, at=830, visible_to=[])
    log.add("message", {"from": {"control": "ctl"}, "to": "all", "text": "Keep going"}, at=840)
    log.add("message", {"from": {"team": "ems", "name": "Eli"}, "to": "control", "text": "Need help"}, at=845,
            actor="Eli", team="ems", visible_to=["ems"])
    observe(log)
    if end:
        log.add("exercise.ended", {}, at=1200, actor="ctl")
        feedback(log)
    return log


def observe(log: Log) -> None:
    def obs(obs_id, text, at, actor, **fields):
        log.add("observation", {"observation": {"id": obs_id, "text": text, "exercise_time_s": at,
                                                "evaluator": actor, **fields}},
                at=at, actor=actor, visible_to=[])

    obs(1, "Cordon set quickly", 300, "eva", objective="OBJ-1", capability="On-scene Security", tag="strength")
    obs(2, "Triage slow", 910, "eve", objective="OBJ-2", tag="improvement", team="ems")
    obs(3, "Good radio discipline", 400, "eva", capability="Operational Communications", tag="strength")
    obs(4, "Weather changed", 500, "eva")
    log.add("observation.edited", {"observation": {"id": 2, "text": "Triage slow: 12 minutes", "exercise_time_s": 910,
                                                   "evaluator": "eve", "objective": "OBJ-2", "tag": "improvement",
                                                   "team": "ems"}, "previous": {"text": "Triage slow"}},
            at=920, actor="eve", visible_to=[])
    log.add("exercise.lead_evaluator", {"lead_evaluator": "eva", "previous": None}, at=930, visible_to=[])
    for who, rating, why in (("eva", "P", "Fine"), ("eve", "S", "Mostly"), ("eva", "S", "On reflection, some issues")):
        log.add("rating.set", {"objective": "OBJ-1", "rating": rating, "rationale": why, "evaluator": who,
                               "consensus": False}, at=940, actor=who, visible_to=[])
    log.add("rating.consensus", {"objective": "OBJ-1", "rating": "S", "rationale": "Agreed", "set_by": "eva",
                                 "consensus": True}, at=950, actor="eva", visible_to=[])
    row = {"id": 1, "objective": "OBJ-2", "capability": "Public Health", "issue": "Triage late",
           "corrective_action": "Train triage", "capability_element": "Training", "responsible_org": "EMS",
           "point_of_contact": "", "start_date": None, "completion_date": None, "status": "open"}
    log.add("corrective_action.created", {"corrective_action": row}, at=960, actor="eva", visible_to=[])
    log.add("corrective_action.updated", {"corrective_action": row | {"status": "completed"},
                                          "previous": {"status": "open"}}, at=970, actor="eve", visible_to=[])
    log.add("report.narrative", {"section": "executive_summary", "text": "First"}, at=980, actor="eva", visible_to=[])
    log.add("report.narrative", {"section": "executive_summary", "text": "Second"}, at=990, actor="eve", visible_to=[])
    log.add("report.narrative", {"section": "objective:OBJ-1", "text": "Cordon fine"}, at=995, actor="eva",
            visible_to=[])


def feedback(log: Log) -> None:
    for team, who, ratings, comments in (("fire-1", "Ana", {"tablet_easy": 5, "injects_timely": 2}, "More injects"),
                                         ("ems", "Eli", {"tablet_easy": 4}, ""),
                                         ("fire-1", "Ben", {"tablet_easy": 3}, "")):
        log.add("feedback.submitted", {"feedback": {"team": team, "participant": who, "role": "crew",
                                                    "ratings": ratings, "strengths": "", "improvements": "",
                                                    "comments": comments}},
                at=1200, actor=who, team=team, visible_to=[])


@pytest.fixture(scope="module")
def report():
    return build_aar(info(), played().events)


def step(report, team, step_id):
    team_entry = next(t for t in report["compliance"]["teams"] if t["key"] == team)
    return next(s for s in team_entry["steps"] if s["step"] == step_id)


def score(report, team):
    return next(t for t in report["compliance"]["teams"] if t["key"] == team)["score"]


# -- compliance, replayed from the log ---------------------------------------------------------------

def test_a_step_is_due_when_an_inject_expecting_it_reaches_the_team(report):
    # I-01 went to everyone (visible_to None): NOTIFY is due for both fire crews and police.
    assert (step(report, "fire-1", "NOTIFY")["status"], step(report, "fire-1", "NOTIFY")["due_at_s"]) == ("done", 360)
    assert step(report, "fire-1", "NOTIFY")["delay_s"] == -210
    assert (step(report, "fire-2", "NOTIFY")["status"], step(report, "fire-2", "NOTIFY")["due_at_s"]) == ("missed", 360)


def test_expects_come_from_the_snapshot_the_staff_edit_or_the_adhoc_inject(report):
    # I-03's edited expects (10 minutes, not the snapshot's 2): due 780; done at 900 is late by 2 minutes.
    triage = step(report, "ems", "TRIAGE")
    assert (triage["status"], triage["due_at_s"], triage["done_at_s"], triage["delay_s"]) == ("late", 780, 900, 120)
    # The ad-hoc X-01 made MONITOR due for fire-2, which had done it proactively at 50 s.
    monitor = step(report, "fire-2", "MONITOR")
    assert (monitor["status"], monitor["due_at_s"], monitor["done_at_s"]) == ("done", 260, 50)
    assert monitor["time_to_complete_s"] is None  # done before it was asked for
    # fire-1 did MONITOR unasked: done, proactive.
    assert step(report, "fire-1", "MONITOR")["due_at_s"] is None and step(report, "fire-1", "MONITOR")["status"] == "done"


def test_joint_steps_out_of_order_and_waivers(report):
    cordon = step(report, "fire-1", "CORDON")
    assert (cordon["status"], cordon["done_by"], cordon["out_of_order"]) == ("done", "police", False)
    # Police did the cordon at 240 s; its own NOTIFY is waived, so the order is not held against it.
    assert step(report, "police", "CORDON")["out_of_order"] is False
    assert step(report, "police", "NOTIFY")["status"] == "waived"
    assert step(report, "police", "NOTIFY")["waiver_reason"] == "Notified by dispatch"
    # fire-2 gets the joint credit too, and its own MONITOR at 50 s came before its NOTIFY: out of order.
    assert step(report, "fire-2", "CORDON")["status"] == "done"
    assert step(report, "fire-2", "MONITOR")["out_of_order"] is True


def test_scores_per_team_and_agency(report):
    # fire-1: NOTIFY 3x1 + CORDON 1x1 + MONITOR 1x1 (proactive, counted) = 5/5.
    assert score(report, "fire-1") == 1.0
    # fire-2: NOTIFY missed 3x0, CORDON 1x1, MONITOR out of order 1x0.5 -> 1.5/5.
    assert score(report, "fire-2") == pytest.approx(1.5 / 5)
    assert score(report, "ems") == 0.5
    fire = next(a for a in report["compliance"]["agencies"] if a["agency"] == "fire")
    assert fire == {"agency": "fire", "name": "Fire service", "score": pytest.approx(6.5 / 10), "teams": ["fire-1", "fire-2"]}
    counts = next(t for t in report["compliance"]["teams"] if t["key"] == "fire-2")["counts"]
    assert counts == {"missed": 1, "done": 2, "out_of_order": 1}


def test_before_the_end_the_report_is_a_draft_as_of_the_clock():
    report = build_aar(info(status="running", now_s=500.0), played(end=False).events)
    assert report["draft"] is True
    assert report["compliance"]["ended"] is False and report["compliance"]["now_s"] == 500
    assert step(report, "fire-2", "NOTIFY")["status"] == "overdue"
    assert step(report, "ems", "TRIAGE")["status"] == "open"  # the tick at 900 s is after the clock: not yet
    report = build_aar(info(status="running"), played(end=False).events)
    assert report["compliance"]["now_s"] == 995  # no clock given: the last event's time


# -- response times ---------------------------------------------------------------------------------

def test_response_times_from_release_to_first_ack_and_first_expected_step(report):
    rows = {(r["inject"], r["team"]): r for r in report["response_times"]["injects"]}
    assert len(rows) == len(report["response_times"]["injects"])
    i01 = rows[("I-01", "fire-1")]
    assert (i01["ack_delay_s"], i01["action_delay_s"], i01["first_action_step"]) == (10, 90, "NOTIFY")
    assert rows[("I-01", "police")]["ack_delay_s"] == 40
    assert rows[("I-01", "police")]["action_delay_s"] is None  # police never ticked NOTIFY
    assert rows[("I-01", "ems")]["expects"] == []  # NOTIFY is not EMS's step
    # The proactive MONITOR at 50 s came before X-01: no response to X-01.
    assert rows[("X-01", "fire-2")]["action_delay_s"] is None
    # The joint CORDON ticked by police is not fire-1's own response to I-02.
    assert rows[("I-02", "fire-1")]["action_delay_s"] is None
    assert rows[("I-03", "ems")]["action_delay_s"] == 720  # the first TRIAGE, not the second
    teams = {t["team"]: t for t in report["response_times"]["teams"]}
    assert teams["fire-1"]["acknowledgement"] == {"count": 1, "median_s": 10, "worst_s": 10, "best_s": 10}
    assert teams["fire-1"]["injects"] == 3 and teams["fire-1"]["expecting_action"] == 2
    assert teams["ems"]["first_action"] == {"count": 1, "median_s": 720, "worst_s": 720, "best_s": 720}
    assert teams["fire-2"]["acknowledgement"]["median_s"] is None


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    log = played(end=False)
    log.ack("I-02", "fire-1", 150).ack("C-01", "fire-1", 850)
    report = build_aar(info(), log.events)
    fire = next(t for t in report["response_times"]["teams"] if t["team"] == "fire-1")
    assert fire["acknowledgement"] == {"count": 3, "median_s": 30, "worst_s": 30, "best_s": 10}
    log.ack("I-01", "fire-2", 160)
    report = build_aar(info(), log.events)
    fire2 = next(t for t in report["response_times"]["teams"] if t["team"] == "fire-2")
    assert fire2["acknowledgement"]["median_s"] == 100


# -- contingencies, injects --------------------------------------------------------------------------

def test_contingencies_fired_and_prompts_decided(report):
    fired = {c["inject"]: c for c in report["contingencies"]["fired"]}
    assert (fired["C-01"]["mode"], fired["C-01"]["released_by"], fired["C-01"]["trigger"]["step"]) == \
        ("auto", "contingency", "MONITOR")
    assert (fired["C-02"]["mode"], fired["C-02"]["released_by"], fired["C-02"]["prompted_at_s"]) == ("prompt", "ctl", 700)
    assert "C-03" not in fired
    prompts = {p["inject"]: p for p in report["contingencies"]["prompts"]}
    assert (prompts["C-02"]["outcome"], prompts["C-02"]["decided_by"]) == ("released", "ctl")
    assert (prompts["C-03"]["outcome"], prompts["C-03"]["decided_by"], prompts["C-03"]["decided_at_s"]) == \
        ("dismissed", "ctl", 800)
    assert [p["inject"] for p in report["contingencies"]["dismissed"]] == ["C-03"]


def test_injects_as_played_and_not_released(report):
    played_ids = [i["id"] for i in report["injects"]]
    assert played_ids == ["I-01", "I-02", "I-03", "X-01", "C-02", "C-01"]
    i01 = report["injects"][0]
    assert i01["teams"] == ALL and i01["released_by"] == "scheduler"
    x01 = report["injects"][3]
    assert x01["adhoc"] is True and x01["expects"] == [{"step": "MONITOR", "within_s": 60.0}]
    assert report["injects"][1]["body"] == "<script>alert(1)</script>"  # data stays raw; the page escapes it
    outcomes = {i["id"]: i["outcome"] for i in report["injects_not_released"]}
    assert outcomes == {"C-03": "skipped", "R-01": "skipped", "I-09": "not reached"}


# -- evaluation --------------------------------------------------------------------------------------

def test_ratings_observations_and_narrative_latest_wins(report):
    obj1, obj2 = report["analysis"]["objectives"]
    assert [(r["evaluator"], r["rating"], r["rationale"]) for r in obj1["ratings"]] == [
        ("eva", "S", "On reflection, some issues"), ("eve", "S", "Mostly")]
    assert obj1["consensus"] | {"updated_at": None} == {"rating": "S", "rationale": "Agreed", "set_by": "eva",
                                                        "updated_at": None}
    assert obj2["consensus"] is None
    assert [o["text"] for o in obj1["strengths"]] == ["Cordon set quickly"]
    (slow,) = obj2["improvements"]
    assert (slow["text"], slow["edited"]) == ("Triage slow: 12 minutes", True)
    assert obj1["narrative"]["text"] == "Cordon fine" and obj2["narrative"] is None
    assert report["narrative"]["executive_summary"] | {"at": None, "seq": None} == {
        "text": "Second", "by": "eve", "at": None, "seq": None}
    assert obj1["expected_actions"] == [{"inject": "I-02", "step": "CORDON", "team": "fire-1", "status": "done"}]
    assert obj2["expected_actions"] == [{"inject": "I-03", "step": "TRIAGE", "team": "ems", "status": "late"}]
    assert report["analysis"]["lead_evaluator"] == "eva"
    assert report["analysis"]["rating_definitions"]["source"]["confidence"] == "S"


def test_strengths_and_improvements_grouped_by_objective_then_capability(report):
    groups = [(g["objective"], g["capability"], [o["text"] for o in g["strengths"]],
               [o["text"] for o in g["improvements"]]) for g in report["strengths_and_improvements"]]
    assert groups == [("OBJ-1", "On-scene Security", ["Cordon set quickly"], []),
                      ("OBJ-2", "Public Health", [], ["Triage slow: 12 minutes"]),
                      (None, "Operational Communications", ["Good radio discipline"], [])]
    assert [o["text"] for o in report["analysis"]["unassigned_observations"]] == ["Weather changed"]
    assert [o["id"] for o in report["observations"]] == [1, 3, 4, 2]  # in exercise-time order


def test_the_improvement_plan_keeps_each_rows_latest_state(report):
    (row,) = report["improvement_plan"]
    assert (row["status"], row["created_by"], row["updated_by"], row["capability_element"]) == \
        ("completed", "eva", "eve", "Training")


def test_feedback_summary(report):
    feedback = report["feedback"]
    assert feedback["responses"] == 3 and feedback["by_team"] == {"fire-1": 2, "ems": 1}
    tablet, timely = feedback["questions"]
    assert (tablet["key"], tablet["answered"], tablet["average"]) == ("tablet_easy", 3, 4.0)
    assert tablet["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}
    assert (timely["answered"], timely["average"], timely["text"]) == (1, 2.0, "Injects on time.")
    assert feedback["comments"] == [{"team": "fire-1", "role": "crew", "strengths": "", "improvements": "",
                                     "comments": "More injects"}]


# -- overview, appendix, audit -----------------------------------------------------------------------

def test_overview(report):
    overview = report["overview"]
    assert overview["name"] == "Harbour drill" and overview["hazard"] == "Cs-137 source"
    assert overview["scenario"] == {"id": "scn-x", "title": "Test scenario", "version": "3", "hash": "s" * 64,
                                    "summary": "A test."}
    assert overview["checklist"]["title"] == "Test checklist"
    assert (overview["started_at"], overview["ended_at"]) == (START.isoformat(), (START + timedelta(seconds=1200)).isoformat())
    assert overview["duration_s"] == 1200 and overview["wall_duration_s"] == 1200
    assert overview["capabilities"] == ["On-scene Security", "Public Health"]
    assert [a["teams"] for a in overview["agencies"]] == [["fire-1", "fire-2"], ["police"], ["ems"]]
    staff = {s["name"]: s["activities"] for s in overview["staff"]}
    # Team members, the scheduler and the checklist are not staff; a controller's message is control work.
    assert staff == {"ctl": ["control"], "eva": ["evaluation"], "eve": ["evaluation"]}
    assert overview["messages"] == 2
    people = {p["team"]: p["people"] for p in report["participants"]}
    assert people == {"fire-1": ["Ana", "Ben"], "fire-2": [], "police": ["Pat"], "ems": ["Eli"]}


def test_event_log_digest_and_audit(report):
    log = played().events
    assert report["event_log"]["events"] == len(log)
    assert (report["event_log"]["first_seq"], report["event_log"]["last_seq"]) == (1, len(log))
    assert report["event_log"]["last_hash"] == log[-1]["hash"]
    assert report["event_log"]["counts"]["action.logged"] == 6
    assert report["audit"] == {"ok": True, "events": len(log), "first_broken_seq": None, "reason": None,
                               "last_hash": log[-1]["hash"]}


def test_a_broken_chain_is_reported_and_the_report_still_reads_every_event():
    events = played().events
    events[9] = {**events[9], "payload": {**events[9]["payload"], "title": "changed"}}
    report = build_aar(info(), events)
    assert report["audit"]["ok"] is False and report["audit"]["first_broken_seq"] == 10
    assert "altered" in report["audit"]["reason"]
    assert report["event_log"]["events"] == len(events) and report["feedback"]["responses"] == 3


def test_events_without_exercise_id_take_it_from_the_exercise_and_are_read_once():
    events = [{k: v for k, v in ev.items() if k != "exercise_id"} for ev in played().events]
    report = build_aar(info(), (ev for ev in events))  # a generator: one pass only
    assert report["audit"]["ok"] is True
    assert report["event_log"]["events"] == len(events)


def test_the_report_is_json_and_empty_logs_work(report):
    assert json.loads(json.dumps(report)) == report
    empty = build_aar(info(status="draft", teams=TEAMS), [])
    assert empty["draft"] is True and empty["audit"]["ok"] is True and empty["event_log"]["events"] == 0
    assert [t["score"] for t in empty["compliance"]["teams"]] == [None] * 4


def test_narrative_sections():
    assert narrative_sections(SCENARIO) == ["executive_summary", "objective:OBJ-1", "objective:OBJ-2", "conclusion"]
    assert narrative_sections({}) == ["executive_summary", "conclusion"]


def test_the_engine_imports_no_flask_db_or_services():
    tree = ast.parse(Path(aar_module.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    forbidden = ("flask", "sqlalchemy", "app.models", "app.services", "models", "services")
    assert not [name for name in imported if name and name.split(".")[0] in forbidden or
                (name or "").startswith(forbidden)]
