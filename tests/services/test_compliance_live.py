"""Live compliance: steps turn overdue with time alone, contingency injects fire, the end makes them missed."""
from sqlalchemy import select

from app.extensions import db
from app.models import Event, ExerciseInject, User
from app.services import lifecycle
from app.services.audit import verify_exercise
from app.services.compliance import compute, waive_step
from app.services.injects import dismiss_prompt
from app.services.releasing import release_now
from app.services.participation import log_action
from app.services.scheduler import run_once

from ..helpers import gen_exercise, gen_tablet, gen_user


def step_events(exercise_id, team=None):
    rows = db.session.scalars(select(Event).where(Event.exercise_id == exercise_id, Event.type == "step.status")
                              .order_by(Event.seq)).all()
    return [(e.payload["team"], e.payload["step"], e.payload["status"]) for e in rows
            if team is None or e.payload["team"] == team]


def run_minutes(app, clock, minutes):
    """Run the scheduler as a server would, a pass per minute of exercise time."""
    for _ in range(minutes):
        clock.advance(60)
        run_once(app)


def participant(tablet):
    from app.models import Participant

    return db.session.get(Participant, tablet.participant_id)


def test_a_team_that_skips_a_critical_step_turns_overdue_then_missed_and_the_contingency_fires(library_app, clock):
    drill = gen_exercise()
    fire, ems = gen_tablet(drill, "fire", "Sam"), gen_tablet(drill, "ems", "Kim")
    lifecycle.start_exercise(drill.id, "ctl")
    db.session.commit()

    run_minutes(library_app, clock, 4)  # I-01..I-04 released at 1m..4m
    clock.advance(1)
    assert ("ic", "IC-02", "open") in step_events(drill.id, "ic")
    log_action(participant(fire), "fire-0001", "FB-01", "All crews accounted for")
    log_action(participant(ems), "ems-00001", "J-01", "Survey done with fire")
    db.session.commit()
    assert ("fire", "FB-01", "done") in step_events(drill.id)
    # The joint step done by EMS counts for fire too.
    result = compute(drill)
    assert result.team("fire").step("J-01").status == "done"
    assert result.team("fire").step("J-01").done_by == "ems"

    # Nobody acts on IC-02 (due 2m + 10m): time alone turns it overdue; the contingency inject fires.
    clock.advance(8 * 60)
    run_once(library_app)
    assert ("ic", "IC-02", "overdue") in step_events(drill.id, "ic")
    contingency = db.session.scalar(select(ExerciseInject).where(ExerciseInject.key == "C-01"))
    assert contingency.status == "released" and contingency.released_by == "contingency"

    lifecycle.end_exercise(drill.id, "ctl")
    db.session.commit()
    assert ("ic", "IC-02", "missed") in step_events(drill.id, "ic")
    final = compute(drill)
    assert final.team("ic").step("IC-02").status == "missed"
    assert final.team("fire").score == 1.0
    assert final.team("ic").score < 1.0
    # Every change was announced once.
    events = step_events(drill.id)
    assert len(events) == len(set(events))
    assert verify_exercise(drill.id)["ok"]


def test_prompt_mode_asks_the_controller_who_can_dismiss(library_app, clock):
    drill = gen_exercise()
    contingency = db.session.scalar(select(ExerciseInject).where(ExerciseInject.key == "C-01"))
    contingency.when_overdue = {"step": "IC-02", "mode": "prompt"}
    db.session.commit()
    lifecycle.start_exercise(drill.id, "ctl")
    db.session.commit()
    run_minutes(library_app, clock, 13)
    prompts = db.session.scalars(select(Event).where(Event.type == "contingency.prompt")).all()
    assert len(prompts) == 1 and prompts[0].payload == {"inject_id": "C-01", "title": contingency.title,
                                                        "team": "ic", "step": "IC-02"}
    assert prompts[0].visible_to == []  # staff only
    db.session.refresh(contingency)
    assert contingency.status == "pending"
    dismiss_prompt(drill.id, "C-01", "ctl")
    db.session.commit()
    db.session.refresh(contingency)
    assert contingency.status == "skipped"


def test_a_waived_step_is_not_counted(library_app, clock):
    drill = gen_exercise()
    staff: User = gen_user("eva", "evaluator")
    lifecycle.start_exercise(drill.id, "ctl")
    db.session.commit()
    run_minutes(library_app, clock, 3)
    release_now(drill.id, "R-01", "ctl")
    waive_step(drill.id, "ic", "IC-02", "Perimeter set by police in this jurisdiction", staff)
    db.session.commit()
    clock.advance(3600)
    run_once(library_app)
    result = compute(drill)
    assert result.team("ic").step("IC-02").status == "waived"
    assert ("ic", "IC-02", "waived") in step_events(drill.id)
    assert db.session.scalar(select(ExerciseInject).where(ExerciseInject.key == "C-01")).status == "pending"
